"""A real PostgreSQL server for tests and benchmarks: Debian's `initdb` and `pg_ctl` in a temporary
folder, on 127.0.0.1 and a free port. Both refuse to run as root, so as root (CI) they run as the
`postgres` user on a folder it owns. `stop` and `start` keep the data (a restart under load);
`remove` stops the server and deletes the folder.
"""
import glob
import os
import shutil
import socket
import subprocess
import tempfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, password=None, durable=False):
        versions = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
        if not versions:
            raise RuntimeError("PostgreSQL is not installed (make test installs Debian's postgresql)")
        self.bin = os.path.dirname(max(versions, key=lambda p: int(p.split("/")[4])))
        self.root = os.getuid() == 0
        self.dir = tempfile.mkdtemp(prefix="soh-pg-")
        self.port = free_port()
        self.password = password
        arguments = ["-D", self.data, "-U", "soh", "-E", "UTF8", "--no-sync"]
        if password:
            pwfile = os.path.join(self.dir, "password")
            with open(pwfile, "w") as f:
                f.write(password)
            # Over TCP a password is needed; the tests' own tools use the socket.
            arguments += ["--pwfile", pwfile, "--auth-host=scram-sha-256", "--auth-local=trust"]
        else:
            arguments += ["--auth=trust"]
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
            for name in os.listdir(self.dir):
                shutil.chown(os.path.join(self.dir, name), "postgres", "postgres")
        self.run("initdb", *arguments)
        # fsync stays on for benchmarks (durable submissions); tests turn it off for speed.
        self.options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            self.options += " -c fsync=off -c synchronous_commit=off"
        self.start()

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    def run(self, program, *arguments, check=True):
        command = [os.path.join(self.bin, program), *arguments]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, stdin=subprocess.DEVNULL)

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-o", self.options, "start")

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def url(self, database="soh", password=None):
        secret = password if password is not None else self.password
        user = f"soh:{secret}" if secret else "soh"
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def create(self, database):
        self.run("createdb", "-h", self.dir, "-p", str(self.port), "-U", "soh", database)
        return self.url(database)

    def sql(self, database, statement):
        """The rows `statement` gives, each a list of strings (psql over the socket)."""
        out = self.run("psql", "-h", self.dir, "-p", str(self.port), "-U", "soh", "-d", database, "-At", "-F", "\t", "-c", statement)
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def remove(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
