#!/usr/bin/env python3
"""Writes a repeatable Markdown corpus for `make bench`: N advice-like pages in 6 sections, with
front matter, headings, lists, tables, links between pages and force placeholders.

usage: make-bench-corpus.py DIR [--pages N]
"""
import argparse
import os
import random

VOCABULARY = ("report crime police safety advice home vehicle bicycle fraud scam online support victim "
              "witness neighbourhood officer contact emergency evidence insurance reference property lock "
              "door window phone bank card community team street local station help").split()
SECTIONS = ["home", "roads", "money", "online", "community", "support"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--pages", type=int, default=300)
    a = ap.parse_args()
    rng = random.Random(2026)
    words = lambda n: " ".join(rng.choice(VOCABULARY) for _ in range(n))
    sentence = lambda: words(rng.randint(7, 16)).capitalize() + "."
    root = os.path.join(a.dir, "bench")
    for s in SECTIONS:
        os.makedirs(os.path.join(root, s), exist_ok=True)
        with open(os.path.join(root, s, "index.md"), "w") as f:
            f.write(f"---\ntitle: \"Bench {s}\"\ndescription: \"{sentence()}\"\n---\n\n{sentence()}\n")
    with open(os.path.join(root, "index.md"), "w") as f:
        f.write("---\ntitle: \"Bench\"\ndescription: \"Generated pages.\"\n---\n\nGenerated.\n")
    for i in range(a.pages):
        parts = []
        for h in range(rng.randint(3, 5)):
            parts.append(f"## {words(4).capitalize()} {h}\n\n" + " ".join(sentence() for _ in range(rng.randint(3, 5))) + "\n")
            kind = rng.random()
            if kind < 0.4:
                parts.append("\n".join(f"- {sentence()} [{words(2)}](/bench/{SECTIONS[j % 6]}/p{j}/)"
                                       for j in (rng.randrange(a.pages) for _ in range(3))) + "\n")
            elif kind < 0.6:
                parts.append("| What | Why |\n|---|---|\n" + "\n".join(f"| {words(1)} | {sentence()} |" for _ in range(3)) + "\n")
            if rng.random() < 0.3:
                parts.append("Call {{force.name}} on {{force.contacts.nonEmergency}} if it is not an emergency.\n")
        with open(os.path.join(root, SECTIONS[i % 6], f"p{i}.md"), "w") as f:
            f.write(f"---\ntitle: \"Bench page {i}\"\ndescription: \"{sentence()}\"\n---\n\n" + "\n".join(parts))


if __name__ == "__main__":
    main()
