"""A county's week, through the public commands only: a fresh server and two laptops; the public
draw; each laptop inspects a drawn enterprise with evidence, signs and prints (one laptop offline
until the end); both sync, one with its upload cut; the supervisor sees both inspections; a bundle
exported from the server verifies offline, and a tampered copy does not."""
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from PIL import Image

from server_fixtures import free_port
from web_fixtures import form_csrf

BIN = Path(sys.executable).parent
PASS = "e2e-passphrase"
USER_PASSWORD = "e2e-supervisor-password-1"
COUNTY = {"county_name": "青禾县", "bureau_name": "青禾县应急管理局", "short_name": "青",
          "reconsideration_body": "青禾县人民政府", "court": "青禾县人民法院"}


def run(*cmd, env=None, expect=0, timeout=300):
    full = dict(os.environ, INSPECTOR_PASSPHRASE=PASS, INSPECTOR_USER_PASSWORD=USER_PASSWORD, **(env or {}))
    proc = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], capture_output=True, text=True, env=full, timeout=timeout)
    assert expect is None or proc.returncode == expect, f"{' '.join(cmd)} → {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def j(*cmd, **kw):
    return json.loads(run(*cmd, **kw).stdout)


def wav(path: Path, seconds: int) -> Path:
    """A body-cam style audio file (PCM WAV), large enough that an upload can be cut midway."""
    rate, data = 16000, os.urandom(16000 * 2 * seconds)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate,
                                                                                         rate * 2, 2, 16)
    path.write_bytes(header + b"data" + struct.pack("<I", len(data)) + data)
    return path


@pytest.mark.slow
def test_a_county_week(tmp_path):
    server_dir, port = tmp_path / "server", free_port()
    url = f"http://127.0.0.1:{port}"
    S = ["inspector-server", "--data-dir", str(server_dir)]
    run(*S, "init")
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen([str(BIN / "inspector-server"), "--data-dir", str(server_dir), "serve", "--host",
                               "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/api/v1/server-key", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        run(*S, "admin", "add-user", "chief", "--role", "supervisor")

        laptops = {name: tmp_path / name for name in ("laptop-a", "laptop-b")}
        for name, data in laptops.items():
            I = ["inspector", "--data-dir", str(data)]
            run(*I, "demo", "--enterprises", "24")
            for key, value in COUNTY.items():
                run(*I, "settings", "set", key, value)
            for officer in j(*I, "--json", "officer", "list"):
                run(*S, "admin", "add-inspector", "--name", officer["name"], "--cert", officer["cert"],
                    "--public-key", officer["public_key"])

        # The public draw: pools and seed published, anyone recomputes the result.
        A = ["inspector", "--data-dir", str(laptops["laptop-a"])]
        pool = j(*A, "--json", "enterprise", "list", "--limit", "500")
        inputs = {"title": "2026年第一季度双随机抽查", "period": "2026-Q1", "seed": "385",
                  "enterprises": [{"code": e["code"], "name": e["name"], "township": e["township"], "kind": e["kind"],
                                   "key": e["two_key_one_major"]} for e in pool],
                  "inspectors": [{"cert": o["cert"], "name": o["name"]} for o in j(*A, "--json", "officer", "list")],
                  "previous": [], "conflicts": [], "team_size": 2, "sample": {"count": 2}}
        (tmp_path / "inputs.json").write_text(json.dumps(inputs, ensure_ascii=False), "utf-8")
        run("inspector", "draw", "run", str(tmp_path / "inputs.json"), "-o", str(tmp_path / "draw.json"))
        run("inspector", "draw", "verify", str(tmp_path / "draw.json"))
        drawn = json.loads((tmp_path / "draw.json").read_text("utf-8"))["result"]["sampled"]
        assert len(drawn) == 2

        records = {}
        for (name, data), team in zip(laptops.items(), drawn):
            I = ["inspector", "--data-dir", str(data)]
            inspection = j(*I, "--json", "inspection", "new", "--enterprise", team["enterprise"], "--inspectors",
                           ",".join(team["inspectors"]))["id"]
            photo = tmp_path / f"{name}.jpg"
            Image.new("RGB", (800, 600), (170, 60, 40)).save(photo, quality=85)
            files = [str(photo)] + ([str(wav(tmp_path / "bodycam.wav", 1800))] if name == "laptop-b" else [])
            shas = [r["sha256"] for r in j(*I, "--json", "evidence", "import", *files, "--inspection", inspection)]
            item = j(*I, "--json", "inspection", "show", inspection)["items"][0]["item"]
            j(*I, "--json", "finding", "add", inspection, "--item", item, "--grade", "general", "--deadline",
              "2099-06-30", "--text", "现场发现的问题（端到端测试）", "--evidence", shas[0])
            records[name] = j(*I, "--json", "inspection", "sign", inspection)["record"]
            printed = j(*I, "--json", "doc", "render", "rectify-order", records[name], "-o", str(tmp_path / f"{name}.pdf"))
            assert printed["number"].startswith("（青）应急责改〔")

        # Laptop A is online: it enrols and syncs at once.
        code_a = j(*S, "admin", "enrol-device", "laptop-a", "--json")["code"]
        run("inspector", "--data-dir", str(laptops["laptop-a"]), "sync", "--server", url, "--enrol", code_a)
        # Laptop B comes back at the end of the week; its first sync is cut mid-upload.
        code_b = j(*S, "admin", "enrol-device", "laptop-b", "--json")["code"]
        B = [str(BIN / "inspector"), "--data-dir", str(laptops["laptop-b"]), "sync", "--server", url]
        cut = subprocess.Popen(B + ["--enrol", code_b], env=dict(os.environ, INSPECTOR_PASSPHRASE=PASS),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parts = server_dir / "uploads"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cut.poll() is None:
            if any(p.stat().st_size > 0 for p in parts.glob("*.part")):
                break  # bytes of the body-cam file are arriving: cut the connection now
            time.sleep(0.01)
        cut.send_signal(signal.SIGKILL)
        cut.wait()
        uploads = j(*S, "admin", "uploads", "--json")
        assert any(u["offset"] < u["length"] for u in uploads), uploads  # the cut left an upload unfinished
        run("inspector", "--data-dir", str(laptops["laptop-b"]), "sync", "--server", url)
        assert all(u["offset"] == u["length"] for u in j(*S, "admin", "uploads", "--json"))

        # The supervisor sees both inspections.
        with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as browser:
            page = browser.get("/login")
            browser.post("/login", data={"csrf": form_csrf(page.text), "name": "chief", "password": USER_PASSWORD})
            listing = browser.get("/lists/inspections").text
            for name, team in zip(laptops, drawn):
                assert team["name"] in listing
                assert browser.get(f"/inspections/{records[name]}").status_code == 200

        # A bundle exported from the server verifies offline; a tampered copy does not.
        bundle = tmp_path / "from-server.zip"
        run(*S, "admin", "export-bundle", records["laptop-b"], "-o", str(bundle))
        verified = run("inspector", "--data-dir", str(tmp_path / "court"), "verify", str(bundle))
        assert "真实" in verified.stdout
        tampered = tmp_path / "tampered.zip"
        with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename.startswith("evidence/") and len(data) > 1000:
                    data = data[:500] + bytes([data[500] ^ 1]) + data[501:]
                dst.writestr(info, data)
        refused = run("inspector", "--data-dir", str(tmp_path / "court"), "verify", str(tampered), expect=1)
        assert "evidence/" in refused.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
