#!/usr/bin/env python3
"""Writes Tests/vectors/cases.json: answers and the errors the Swift and JavaScript validators
must both give for them. The expected errors are written here by hand, case by case.

usage: python3 scripts/make-form-vectors.py
"""
import json
import os

TODAY = "2026-06-15"
cases = []


def case(form, name, answers, errors=(), language="en", messages=None):
    c = {"name": name, "form": form, "today": TODAY, "language": language, "answers": answers,
         "errors": [{"question": q, "code": code} for q, code in errors]}
    if messages:
        c["messages"] = messages
    cases.append(c)


def d(day, month, year):
    return {"day": str(day), "month": str(month), "year": str(year)}


T = "types"
case(T, "nothing answered, nothing required", {})
# text: minLength 2, maxLength 10
case(T, "text within limits", {"name": "Sam"})
case(T, "text at maximum length", {"name": "abcdefghij"})
case(T, "text one over maximum", {"name": "abcdefghijk"}, [("name", "tooLong")])
case(T, "text under minimum", {"name": "a"}, [("name", "tooShort")])
case(T, "text trimmed before counting", {"name": "  ab  "})
case(T, "text spaces only is unanswered", {"name": "   "})
case(T, "text counts characters not bytes", {"name": "ŵŷâêîôûëïö"})
case(T, "text emoji counted as one each", {"name": "😀😀"})
case(T, "text as a list is malformed", {"name": ["a"]}, [("name", "malformed")])
case(T, "text as parts is malformed", {"name": {"a": "b"}}, [("name", "malformed")])
case(T, "textarea within limit", {"story": "It was raining."})
case(T, "textarea over limit", {"story": "x" * 21}, [("story", "tooLong")])
case(T, "textarea newlines fine", {"story": "a\nb\nc"})
# email
for ok in ["name@example.com", "a.b+c@sub.example.co.uk", " name@example.com "]:
    case(T, f"email valid {ok!r}", {"email": ok})
for bad in ["name", "name@", "@example.com", "name@example", "na me@example.com", "name@@example.com"]:
    case(T, f"email invalid {bad!r}", {"email": bad}, [("email", "invalid")])
case(T, "email too long", {"email": "a" * 250 + "@x.uk"}, [("email", "tooLong")])
# phone
for ok in ["01632 960 001", "07700 900 982", "07700900982", "+44 7700 900982", "0044 7700 900982", "(01632) 960-001", "0161 496 0000"]:
    case(T, f"phone valid {ok!r}", {"phone": ok})
for bad in ["12345", "7700 900 982", "+1 555 123 4567", "0770090098212", "phone", "0161 496 000a"]:
    case(T, f"phone invalid {bad!r}", {"phone": bad}, [("phone", "invalid")])
# phone with mobile: true (a UK mobile: 071–075, 077–079, 07624)
for ok in ["07700 900 982", "+44 7700 900982", "0044 7123 456789", "07624 123456", "(07911) 123-456"]:
    case(T, f"mobile valid {ok!r}", {"mobile": ok})
for bad in ["01632 960 001", "0161 496 0000", "07600 123456", "07000 123456", "07700 90098", "+1 555 123 4567"]:
    case(T, f"mobile invalid {bad!r}", {"mobile": bad}, [("mobile", "invalid")])
# postcode
for ok in ["SW1A 2AA", "sw1a2aa", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA", " EC1A 1BB "]:
    case(T, f"postcode valid {ok!r}", {"postcode": ok})
for bad in ["SW1A", "12345", "SW1A 2A", "QQ", "SW1A-2AA", "1AA 2BB"]:
    case(T, f"postcode invalid {bad!r}", {"postcode": bad}, [("postcode", "invalid")])
# number: whole, 1..100
for ok in ["1", "100", "42", "99", " 7 "]:
    case(T, f"number valid {ok!r}", {"count": ok})
case(T, "number below minimum", {"count": "0"}, [("count", "tooSmall")])
case(T, "number above maximum", {"count": "101"}, [("count", "tooLarge")])
case(T, "number with thousands comma above maximum", {"count": "1,000"}, [("count", "tooLarge")])
case(T, "number not whole", {"count": "2.5"}, [("count", "wholeNumber")])
for bad in ["two", "1e3", "", "12abc", "--1", "1.", ".5"]:
    if bad == "":
        case(T, "number empty is unanswered", {"count": ""})
    else:
        case(T, f"number invalid {bad!r}", {"count": bad}, [("count", "invalid")])
case(T, "decimal within range", {"level": "-5.5"})
case(T, "decimal in range", {"level": "3.25"})
case(T, "decimal below", {"level": "-5.6"}, [("level", "tooSmall")])
case(T, "decimal above", {"level": "5.51"}, [("level", "tooLarge")])
case(T, "negative number", {"level": "-1"})
# dates (today 2026-06-15)
case(T, "date in the past", {"when": d(1, 2, 2024)})
case(T, "date today counts as past", {"when": d(15, 6, 2026)})
case(T, "date tomorrow is future", {"when": d(16, 6, 2026)}, [("when", "future")])
case(T, "date missing month", {"when": {"day": "1", "month": "", "year": "2024"}}, [("when", "incomplete")])
case(T, "date missing year key", {"when": {"day": "1", "month": "2"}}, [("when", "incomplete")])
case(T, "date all empty is unanswered", {"when": {"day": "", "month": "", "year": ""}})
case(T, "date 31 April", {"when": d(31, 4, 2024)}, [("when", "invalid")])
case(T, "date 29 February leap year", {"when": d(29, 2, 2024)})
case(T, "date 29 February not leap", {"when": d(29, 2, 2023)}, [("when", "invalid")])
case(T, "date 29 February 1900", {"when": d(29, 2, 1900)}, [("when", "invalid")])
case(T, "date 29 February 2000", {"when": d(29, 2, 2000)})
case(T, "date month 13", {"when": d(1, 13, 2024)}, [("when", "invalid")])
case(T, "date day 0", {"when": d(0, 1, 2024)}, [("when", "invalid")])
case(T, "date two-digit year", {"when": d(1, 1, 24)}, [("when", "invalid")])
case(T, "date letters", {"when": {"day": "1", "month": "Jan", "year": "2024"}}, [("when", "invalid")])
case(T, "date leading zeros", {"when": {"day": "01", "month": "02", "year": "2024"}})
case(T, "date with extra part", {"when": {"day": "1", "month": "2", "year": "2024", "hour": "3"}}, [("when", "malformed")])
case(T, "date as text is malformed", {"when": "2024-01-01"}, [("when", "malformed")])
case(T, "future date today ok", {"booked": d(15, 6, 2026)})
case(T, "future date tomorrow ok", {"booked": d(16, 6, 2026)})
case(T, "future date yesterday", {"booked": d(14, 6, 2026)}, [("booked", "past")])
case(T, "age exactly 16 today", {"dob": d(15, 6, 2010)})
case(T, "age 16 tomorrow is too young", {"dob": d(16, 6, 2010)}, [("dob", "tooYoung")])
case(T, "age 15", {"dob": d(1, 1, 2011)}, [("dob", "tooYoung")])
case(T, "age 120", {"dob": d(15, 6, 1906)})
case(T, "age 121", {"dob": d(14, 6, 1905)}, [("dob", "tooOld")])
# time
for ok in ["14:30", "9:05", "09.05", "00:00", "23:59", "2pm", "2:30pm", "2:30 PM", "12am"]:
    case(T, f"time valid {ok!r}", {"time": ok})
for bad in ["24:00", "14:60", "1430", "13pm", "noon", "2:3pm"]:
    case(T, f"time invalid {bad!r}", {"time": bad}, [("time", "invalid")])
# choices
case(T, "radios valid", {"colour": "red"})
case(T, "radios not an option", {"colour": "green"}, [("colour", "invalidOption")])
case(T, "radios case matters", {"colour": "Red"}, [("colour", "invalidOption")])
case(T, "radios list malformed", {"colour": ["red"]}, [("colour", "malformed")])
case(T, "checkboxes valid", {"items": ["phone", "keys"]})
case(T, "checkboxes one", {"items": ["wallet"]})
case(T, "checkboxes empty list unanswered", {"items": []})
case(T, "checkboxes unknown value", {"items": ["phone", "laptop"]}, [("items", "invalidOption")])
case(T, "checkboxes text malformed", {"items": "phone"}, [("items", "malformed")])
case(T, "select valid", {"area": "south"})
case(T, "select invalid", {"area": "east"}, [("area", "invalidOption")])
case(T, "yes-no yes", {"hurt": "yes"})
case(T, "yes-no no", {"hurt": "no"})
case(T, "yes-no other", {"hurt": "maybe"}, [("hurt", "invalidOption")])
case(T, "yes-no capitalised", {"hurt": "Yes"}, [("hurt", "invalidOption")])
# address
case(T, "address full", {"address": {"line1": "1 High Street", "line2": "", "town": "Leeds", "county": "", "postcode": "LS1 1AA"}})
case(T, "address minimal", {"address": {"line1": "1 High Street", "town": "Leeds", "postcode": "LS1 1AA"}})
case(T, "address missing town", {"address": {"line1": "1 High Street", "postcode": "LS1 1AA"}}, [("address", "townRequired")])
case(T, "address missing line1 and postcode", {"address": {"town": "Leeds"}}, [("address", "line1Required"), ("address", "postcodeRequired")])
case(T, "address bad postcode", {"address": {"line1": "1 High Street", "town": "Leeds", "postcode": "LS1"}}, [("address", "postcodeInvalid")])
case(T, "address extra field", {"address": {"line1": "1 High Street", "town": "Leeds", "postcode": "LS1 1AA", "country": "UK"}}, [("address", "malformed")])
case(T, "address as text", {"address": "1 High Street"}, [("address", "malformed")])
case(T, "address all empty unanswered", {"address": {"line1": "", "town": "", "postcode": ""}})
# registration
for ok in ["AB12 CDE", "ab12cde", "A123 BCD", "ABC 123D", "1 ABC", "K1"]:
    case(T, f"registration valid {ok!r}", {"reg": ok})
for bad in ["ABCDEFG", "1234567", "AB12 CDE FGH", "AB-12", "X"]:
    case(T, f"registration invalid {bad!r}", {"reg": bad}, [("reg", "invalid")])
# declaration
case(T, "declaration ticked", {"agree": "yes"})
case(T, "declaration other value", {"agree": "true"}, [("agree", "required")])
# messages and unknown answers
case(T, "custom message override", {"custom": "abcd"}, [("custom", "tooLong")], messages=["Keep it short"])
case(T, "custom message override in Welsh", {"custom": "abcd"}, [("custom", "tooLong")], language="cy", messages=["Cadwch e'n fyr"])
case(T, "default message uses the name", {"name": "abcdefghijk"}, [("name", "tooLong")], messages=["Your name must be 10 characters or fewer"])
case(T, "number message uses the name and limit", {"count": "0"}, [("count", "tooSmall")], messages=["The number must be 1 or more"])
case(T, "unknown question", {"colour": "red", "favourite": "x"}, [("favourite", "unknown")], messages=["There is no question with this name"])
case(T, "content block has no answer", {"note": "hello"}, [("note", "unknown")])
case(T, "several errors in page order", {"name": "a", "email": "x", "reg": "X"}, [("name", "tooShort"), ("email", "invalid"), ("reg", "invalid")])
case(T, "Welsh email message", {"email": "x"}, [("email", "invalid")], language="cy",
     messages=["Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com"])

# file: the answer is the list of upload ids (at most 3); the uploads are the API's to check
UP = "0123456789abcdef0123456789abcdef"
case(T, "file one upload", {"photos": [UP]})
case(T, "file three uploads", {"photos": [UP[:-1] + c for c in "123"]})
case(T, "file four uploads is too many", {"photos": [UP[:-1] + c for c in "1234"]}, [("photos", "tooManyFiles")])
case(T, "file empty list is unanswered", {"photos": []})
case(T, "file id not an upload id", {"photos": ["../../etc/passwd"]}, [("photos", "malformed")])
case(T, "file id upper-case is not an upload id", {"photos": [UP.upper()]}, [("photos", "malformed")])
case(T, "file the same upload twice", {"photos": [UP, UP]}, [("photos", "malformed")])
case(T, "file as text is malformed", {"photos": UP}, [("photos", "malformed")])

R = "required"
valid_required = {"name": "Sam Smith", "email": "sam@example.com", "count": "3", "when": d(1, 1, 2025), "colour": "blue",
                  "items": ["a"], "hurt": "no", "address": {"line1": "1 Road", "town": "Bath", "postcode": "BA1 1AA"}, "agree": "yes"}
case(R, "everything answered", valid_required)
case(R, "nothing answered", {}, [("name", "required"), ("email", "required"), ("count", "required"), ("when", "required"),
                                 ("colour", "required"), ("items", "required"), ("hurt", "required"), ("address", "line1Required"),
                                 ("address", "townRequired"), ("address", "postcodeRequired"), ("agree", "required")])
for key, code in [("name", "required"), ("email", "required"), ("count", "required"), ("when", "required"), ("colour", "required"),
                  ("items", "required"), ("hurt", "required"), ("agree", "required")]:
    answers = dict(valid_required)
    del answers[key]
    case(R, f"{key} missing", answers, [(key, code)])
answers = dict(valid_required, name="  ")
case(R, "required text spaces only", answers, [("name", "required")], messages=["Enter your full name"])
case(R, "required text spaces only in Welsh", answers, [("name", "required")], language="cy", messages=["Rhowch eich enw llawn"])
answers = dict(valid_required, colour="")
case(R, "required radios message", answers, [("colour", "required")], messages=["Select a colour"])
answers = dict(valid_required, items=[])
case(R, "required checkboxes empty", answers, [("items", "required")], messages=["Select an option"])
answers = dict(valid_required, when={"day": "", "month": "", "year": ""})
case(R, "required date empty", answers, [("when", "required")], messages=["Enter the date it happened"])
answers = dict(valid_required, agree="")
case(R, "declaration not ticked", answers, [("agree", "required")], messages=["You must confirm to continue"])
answers = dict(valid_required, address={"line1": "", "town": "", "postcode": ""})
case(R, "required address empty", answers, [("address", "line1Required"), ("address", "townRequired"), ("address", "postcodeRequired")])

C = "conditions"
base = {"danger": "no", "kind": "other", "detail": "x", "extra": "y"}
case(C, "other: not-theft and any pages", base)
case(C, "danger yes reaches the exit page", {"danger": "yes", "kind": "other"}, [("call-999", "exit")], messages=["Call 999 now"])
case(C, "theft asks value and insured", {"danger": "no", "kind": "theft", "value": "10", "insured": "no"})
case(C, "theft without value", {"danger": "no", "kind": "theft", "insured": "no"}, [("value", "required")])
case(C, "theft answers to a skipped page", {"danger": "no", "kind": "theft", "value": "10", "insured": "no", "detail": "x"}, [("detail", "notAsked")])
case(C, "skipped page with empty answer is ignored", {"danger": "no", "kind": "theft", "value": "10", "insured": "no", "detail": ""})
case(C, "damage reveals a question", {"danger": "no", "kind": "damage", "damaged": "window", "detail": "x", "insured": "yes"})
case(C, "damage without revealed answer", {"danger": "no", "kind": "damage", "detail": "x", "insured": "yes"}, [("damaged", "required")])
case(C, "revealed answer without its option", {"danger": "no", "kind": "theft", "damaged": "window", "value": "5", "insured": "no"}, [("damaged", "notAsked")])
case(C, "no kind: notEquals holds", {"danger": "no", "detail": "x"}, [("kind", "required")])
case(C, "contains bike asks frame", dict(base, taken=["bike"], frame="F123"))
case(C, "contains bike missing frame", dict(base, taken=["bike"]), [("frame", "required")])
case(C, "frame without bike is not asked", dict(base, taken=["phone"], frame="F1"), [("frame", "notAsked")])
case(C, "answered nickname asks why", dict(base, nickname="Bob", why="because"))
case(C, "answered nickname without why", dict(base, nickname="Bob"), [("why", "required")])
case(C, "blank nickname is not answered", dict(base, nickname=" "))
case(C, "date before 2020 asks delay", dict(base, date=d(31, 12, 2019), delay="moved"))
case(C, "date 2020-01-01 is not before", dict(base, date=d(1, 1, 2020)))
case(C, "date before 2020 without delay", dict(base, date=d(1, 6, 2010)), [("delay", "required")])
case(C, "invalid date never before", dict(base, date=d(31, 2, 2010)), [("date", "invalid")])
case(C, "recent theft asks cctv", {"danger": "no", "kind": "theft", "value": "1", "insured": "no", "date": d(2, 1, 2026), "cctv": "yes"})
case(C, "recent theft without cctv", {"danger": "no", "kind": "theft", "value": "1", "insured": "no", "date": d(2, 1, 2026)}, [("cctv", "required")])
case(C, "recent but other: not asked", dict(base, date=d(2, 1, 2026), cctv="yes"), [("cctv", "notAsked")])
case(C, "2026-01-01 is not after itself", {"danger": "no", "kind": "theft", "value": "1", "insured": "no", "date": d(1, 1, 2026)})
case(C, "car asks vehicles and any page",
     {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e", "vehicles": [{"vrm": "AB12 CDE"}]})
case(C, "car with no vehicles", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e"},
     [("vehicles", "tooFew")], messages=["Add at least 1 vehicle"])
case(C, "car with empty vehicle list", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e", "vehicles": []},
     [("vehicles", "tooFew")])
case(C, "too many vehicles", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e",
                              "vehicles": [{"vrm": "AB12 CDE"}, {"vrm": "CD34 EFG"}, {"vrm": "EF56 GHI"}]}, [("vehicles", "tooMany")],
     messages=["You can add no more than 2. Remove one vehicle"])
case(C, "vehicle item errors are numbered", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e",
                                             "vehicles": [{"vrm": "AB12 CDE"}, {"vrm": "X", "colour": "red"}]}, [("vehicles[1].vrm", "invalid")])
case(C, "vehicle item missing required", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e",
                                          "vehicles": [{"colour": "red"}]}, [("vehicles[0].vrm", "required")])
case(C, "vehicle item unknown key", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e",
                                     "vehicles": [{"vrm": "AB12 CDE", "wheels": "4"}]}, [("vehicles[0].wheels", "unknown")])
case(C, "vehicles as text are malformed", {"danger": "no", "kind": "theft", "value": "3", "insured": "no", "taken": ["car"], "extra": "e",
                                           "vehicles": "AB12 CDE"}, [("vehicles", "malformed")])
case(C, "vehicles not asked without car", dict(base, vehicles=[{"vrm": "AB12 CDE"}]), [("vehicles", "notAsked")])
case(C, "empty vehicles not asked is ignored", dict(base, vehicles=[]))
case(C, "in: damage asks insured", {"danger": "no", "kind": "damage", "damaged": "door", "detail": "x"}, [("insured", "required")])
case(C, "in: other does not ask insured", dict(base, insured="yes"), [("insured", "notAsked")])
case(C, "nothing after an exit page is asked", {"danger": "yes", "kind": "other", "detail": "x", "extra": "y"},
     [("call-999", "exit"), ("detail", "notAsked"), ("extra", "notAsked")])
case(C, "Welsh exit message is the page title", {"danger": "yes", "kind": "other"}, [("call-999", "exit")], language="cy", messages=["Call 999 now"])
case(C, "unknown top-level key", dict(base, favourite="x"), [("favourite", "unknown")])
case(C, "question of a repeated page at top level", dict(base, vrm="AB12 CDE"), [("vrm", "notAsked")])
case(C, "any: car alone asks extra", {"danger": "no", "kind": "theft", "value": "1", "insured": "no", "taken": ["car"], "vehicles": [{"vrm": "AB12 CDE"}]},
     [("extra", "required")])
case(C, "danger missing", {"kind": "other", "detail": "x", "extra": "y"}, [("danger", "required")])

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "vectors", "cases.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump({"today": TODAY, "cases": cases}, f, ensure_ascii=False, indent=1, sort_keys=True)
    f.write("\n")
print(f"{len(cases)} cases → {os.path.normpath(out)}")
