"""A real clamd for the tests (Debian's clamav-daemon) with a signature database of its own, so it
starts without the network: the EICAR test file's signature and a marker of ours. Listens on a
Unix socket in a temporary folder; `stop()` and `start()` take it away and bring it back."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MARKER = b"SOH-TEST-MALWARE-MARKER"


class Clamd:
    def __init__(self):
        binary = shutil.which("clamd") or "/usr/sbin/clamd"
        assert os.path.exists(binary), "clamd is not installed (make test installs Debian's clamav-daemon)"
        self.binary = binary
        self.folder = tempfile.mkdtemp(prefix="soh-clamd-")
        self.socket = os.path.join(self.folder, "clamd.sock")
        self.address = "unix:" + self.socket
        os.makedirs(os.path.join(self.folder, "db"))
        with open(os.path.join(self.folder, "db", "soh-test.ndb"), "w") as f:
            f.write(f"Soh.Test.Eicar:0:*:{EICAR.hex()}\nSoh.Test.Marker:0:*:{MARKER.hex()}\n")
        with open(os.path.join(self.folder, "clamd.conf"), "w") as f:
            f.write(f"LocalSocket {self.socket}\nDatabaseDirectory {self.folder}/db\nForeground yes\nLogFile {self.folder}/clamd.log\n"
                    "StreamMaxLength 2000M\nMaxScanSize 2000M\nMaxFileSize 2000M\nAlertExceedsMax yes\nMaxRecursion 5\nMaxFiles 100\n")
        self.process = None
        self.start()

    def ping(self):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(self.socket)
                s.sendall(b"zPING\0")
                return s.recv(16).startswith(b"PONG")
        except OSError:
            return False

    def start(self):
        if self.process is None:
            self.process = subprocess.Popen([self.binary, "-c", os.path.join(self.folder, "clamd.conf")],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 30
        while time.time() < end:
            if self.ping():
                return
            time.sleep(0.1)
        raise AssertionError("clamd did not answer: " + open(os.path.join(self.folder, "clamd.log")).read()[-2000:])

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        if os.path.exists(self.socket):
            os.remove(self.socket)
