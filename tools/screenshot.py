"""Screenshots of a running Odoo for the README: logs in, opens each URL, saves a PNG.

    python tools/screenshot.py http://localhost:8069 /odoo/action-... out.png  [more pairs]
    SHOT_LOGIN=user SHOT_PASSWORD=secret python tools/screenshot.py ...   # not admin
    SHOT_HEIGHT=1300 python tools/screenshot.py ...                       # a taller window

A step may be ``js:<expression>`` instead of a URL: run in the open page (``env`` is the web
client's environment, e.g. ``env.services.action.doAction({...})``), then the shot is taken.

Drives Debian's headless Chromium through its DevTools protocol (websocket-client).
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


class Browser:
    def __init__(self, port=9333, width=1400, height=900):
        self.profile = tempfile.mkdtemp(prefix="ps_shot_")
        self.proc = subprocess.Popen(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
                break
            except OSError:
                time.sleep(0.2)
        page = next(p for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.call(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
        )

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def js(self, expression):
        return (
            self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
            .get("result", {})
            .get("value")
        )

    def goto(self, url, settle=4.0):
        self.call("Page.navigate", url=url)
        time.sleep(settle)

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))

    def close(self):
        self.proc.terminate()


def main(base, *pairs):
    browser = Browser(height=int(os.environ.get("SHOT_HEIGHT", "900")))
    try:
        browser.goto(f"{base}/web/login", settle=2)
        login = json.dumps(os.environ.get("SHOT_LOGIN", "admin"))
        password = json.dumps(os.environ.get("SHOT_PASSWORD", "admin"))
        browser.js(f"""document.querySelector('input[name=login]').value={login};
                      document.querySelector('input[name=password]').value={password};
                      document.querySelector('form.oe_login_form').submit();""")
        time.sleep(4)
        for step, path in zip(pairs[::2], pairs[1::2], strict=True):
            if step.startswith("js:"):
                error = browser.js(
                    "(async () => { try { const env = odoo.__WOWL_DEBUG__.root.env; "
                    f"await ({step[3:]}); }} catch (e) {{ return String(e); }} }})()"
                )
                if error:
                    print("step failed:", error)
                time.sleep(4)
            else:
                browser.goto(base + step, settle=6)
            browser.shot(path)
            print("saved", path)
    finally:
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
