#!/usr/bin/env python3
"""The citizen's page in a real browser (make test-browser): headless Chromium through selenium.

Starts ledgerd on its embedded broker with simulated MyData traffic, picks a citizen whose history holds a violation
and a revoked consent (asking the API, as a citizen's token may), and checks that the page shows exactly what the
API holds for them: their accesses with the right verdicts and the violations set apart, a filter by verdict,
English and back, their consents (a revoked one as revoked, with who granted it) and the institutions. A screenshot
of each view goes to .build/browser-test/ (not committed).
"""
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CTL = os.path.join(ROOT, ".build/debug/ledgerctl")
LEDGERD = os.path.join(ROOT, ".build/debug/ledgerd")
SHOTS = os.path.join(ROOT, ".build/browser-test")
VIOLATIONS = {"no-consent", "recipient-not-covered", "purpose-not-covered", "category-not-covered", "not-yet-valid",
              "expired", "revoked"}


def fail(message):
    print(f"browser test FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def api(http, token, path):
    request = urllib.request.Request(f"http://{http}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def start_ledgerd(work):
    subprocess.run([CTL, "simulate", "--setup-only", "--out", f"{work}/sim", "--institutions", "8"], check=True,
                   stdout=subprocess.DEVNULL)
    # A registry authority, whose registry events later move every partition to rules/v2 (for the erasure).
    authority = subprocess.run([CTL, "keys", "generate", "--registry-authority", "--out", f"{work}/authority"], check=True,
                               capture_output=True, text=True).stdout.splitlines()[0]
    out = open(f"{work}/ledgerd.out", "w")
    ledgerd = subprocess.Popen([LEDGERD, "--registry", f"{work}/sim/registry.json", "--registry-authority", authority,
                                "--data-dir", f"{work}/data", "--http", "127.0.0.1:0", "--log-level", "warning"], stdout=out,
                               stderr=open(f"{work}/ledgerd.err", "w"))
    for _ in range(240):
        text = open(f"{work}/ledgerd.out").read()
        if "http=" in text:
            values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
            return ledgerd, values["http"], values["bootstrap.servers"], values["ledger-key"], values["subject-key"]
        if ledgerd.poll() is not None:
            break
        time.sleep(0.5)
    fail("ledgerd did not start: " + open(f"{work}/ledgerd.err").read())


def all_checkpointed(work, http):
    """Waits until every ledger's newest checkpoint covers all its leaves, so the proofs cover the whole history."""
    regulator = subprocess.run([CTL, "token", "--data-dir", f"{work}/data", "--role", "regulator", "--subject", "test"],
                               check=True, capture_output=True, text=True).stdout.strip()
    for _ in range(120):
        ledgers = api(http, regulator, "/v1/ledgers")
        if ledgers and all(int(l.get("checkpoint", "\n-1").split("\n")[1]) == l["size"] for l in ledgers):
            return
        time.sleep(0.5)
    fail("the ledgers' checkpoints did not come to cover every leaf")


def citizen_token(work, subject):
    return subprocess.run([CTL, "token", "--data-dir", f"{work}/data", "--role", "citizen", "--subject", subject],
                          check=True, capture_output=True, text=True).stdout.strip()


def erase_a_citizen(work, http, brokers, story):
    """Moves every partition to rules/v2 (the registry authority publishes the simulation's registry into the log),
    then has the data holder of a consent of another simulated citizen publish, with `ledgerctl publish`, an erasure
    of all that citizen's records. Returns the citizen, their token and the index of the erasure's leaf."""
    subprocess.run([CTL, "registry", "publish", "--brokers", brokers, "--key", f"{work}/authority/registry-authority.key",
                    f"{work}/sim/registry.json"], check=True, capture_output=True, text=True)
    for n in range(1, 41):
        subject = f"CI-KR-{n:013d}"
        token = citizen_token(work, subject)
        consents = api(http, token, "/v1/me/consents") if subject != story else []
        if not consents:
            continue
        holder = consents[0]["dataHolder"]
        request = os.path.join(work, "erasure.jsonl")
        open(request, "w").write(json.dumps({"type": "subject.erasure-requested", "subject": subject, "data": {
            "requestId": f"{holder}/erasure/1", "initiatedBy": "subject", "scope": "all"}}) + "\n")
        sent = subprocess.run([CTL, "publish", "--brokers", brokers, "--key", f"{work}/sim/keys/{holder}.key",
                               "--await-receipt", request], capture_output=True, text=True)
        receipt = re.search(r"index (\d+), verdict (.*)$", sent.stdout, re.M)
        expect(sent.returncode == 0 and receipt and '"erasure":{"code":"all"}' in receipt.group(2),
               f"the erasure was not applied: {sent.stdout} {sent.stderr}")
        return subject, token, int(receipt.group(1))
    fail("no simulated citizen but the first has a consent")


def citizen_with_story(work, http, brokers):
    """Publishes traffic, then finds a citizen with a violation and a revoked consent among its 40 subjects."""
    summary = subprocess.run([CTL, "simulate", "--brokers", brokers, "--out", f"{work}/sim", "--rate", "400",
                              "--duration", "5", "--subjects", "40"], check=True, capture_output=True, text=True)
    sent = int(re.search(r"^sent (\d+)", summary.stdout, re.M).group(1))
    for _ in range(120):
        metrics = urllib.request.urlopen(f"http://{http}/metrics").read().decode()
        found = re.search(r"^ledger_events_in_total (\d+)$", metrics, re.M)
        if found and int(found.group(1)) >= sent:
            break
        time.sleep(0.5)
    all_checkpointed(work, http)
    for n in range(1, 41):
        subject = f"CI-KR-{n:013d}"
        token = citizen_token(work, subject)
        accesses = api(http, token, "/v1/me/accesses?limit=50")
        consents = api(http, token, "/v1/me/consents")
        if any(a["outcome"] in VIOLATIONS for a in accesses["items"]) and any(c["status"] == "revoked" for c in consents):
            return subject, token, accesses, consents
    fail("no simulated citizen has both a violation and a revoked consent")


def follow(driver, element):
    """Clicks a link or a submit button and waits for the next page to replace this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        # A node of the old page is stale once it is gone; while Chromium swaps documents, asking about it can also
        # fail with an inspector error ("does not belong to the document"), which means the same.
        try:
            page.is_enabled()
            return False
        except WebDriverException:
            return True
    WebDriverWait(driver, 30).until(replaced)


def fits_a_phone(driver, what, shot):
    """At a phone's 360 px nothing is wider than the screen; a screenshot shows how it reads there."""
    driver.set_window_size(360, 1600)
    width = driver.execute_script("return document.documentElement.scrollWidth")
    expect(width <= 360, f"at 360 px {what} is {width} px wide")
    driver.save_screenshot(f"{SHOTS}/{shot}.png")
    driver.set_window_size(1280, 1600)


def rows(driver, table):
    return driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")


VERIFIER = "file://" + os.path.join(ROOT, "docs/verify.html")


def check_in_verifier(driver, path, ledger_key, policy):
    """docs/verify.html from file:// on the bundle at `path`, under the ledger key (and the policy file, if given)."""
    driver.get(VERIFIER)
    driver.find_element(By.ID, "ledger-key").send_keys(ledger_key)
    if policy:
        driver.find_element(By.ID, "policy").send_keys(policy)
    driver.find_element(By.ID, "bundle").send_keys(path)
    driver.find_element(By.ID, "check").click()
    result = driver.find_element(By.ID, "result")
    WebDriverWait(driver, 120).until(lambda _: result.get_attribute("data-state") in ("verified", "refused"))
    return result


def verify_offline(driver, bundle, ledger_key, policy, accesses):
    """docs/verify.html from file://: the downloaded bundle verifies with every access; one byte changed, it refuses."""
    def check(path):
        return check_in_verifier(driver, path, ledger_key, policy)

    result = check(bundle)
    expect(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko", "the verifier is not Korean by default")
    expect(result.get_attribute("data-state") == "verified", f"the verifier refused the downloaded bundle: {result.text}")
    shown = rows(driver, "access-list")
    expect(len(shown) == accesses and all(r.get_attribute("data-verdict") for r in shown),
           f"the verifier shows {len(shown)} accesses, the API holds {accesses}")
    expect(any(r.get_attribute("data-verdict") in VIOLATIONS for r in shown), "the verifier shows no violation")
    headings = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#access-list thead th")]
    expect(headings[:3] == ["일시", "판정", "기관"], f"the verifier's column headings: {headings[:3]}")
    driver.save_screenshot(f"{SHOTS}/verify-ko.png")
    fits_a_phone(driver, "the verifier", "verify-360px")
    driver.find_element(By.ID, "language").click()
    expect(driver.find_element(By.TAG_NAME, "h1").text == "Check my history", "the verifier's English")
    expect(result.text.startswith("Verified"), f"in English the verifier says: {result.text}")
    driver.save_screenshot(f"{SHOTS}/verify-en.png")

    tampered = bytearray(open(bundle, "rb").read())
    at = tampered.index(b'"leaf":"') + 20
    tampered[at] ^= 1
    open(bundle + ".tampered", "wb").write(tampered)
    result = check(bundle + ".tampered")
    expect(result.get_attribute("data-state") == "refused", "the verifier accepted a bundle with a changed byte")
    expect("검증 실패" in result.text and "해시와 맞지 않습니다" in result.text, f"the verifier's refusal says: {result.text}")
    driver.save_screenshot(f"{SHOTS}/verify-refused.png")
    print("docs/verify.html verified the bundle and refused it with one byte changed")


def cosigned(bundle, name):
    """The bundle with every checkpoint cosigned by a new witness `name` (ledger-format.md §6, written here from the
    text alone with Python's cryptography), and the witness's verifier key (§4)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]
    timestamp = int(time.time())
    content = json.loads(bundle)
    for answer in content["ledgers"]:
        note = answer["checkpoint"]
        text = note[:note.rindex("\n\n") + 1]
        signature = key.sign(f"cosignature/v1\ntime {timestamp}\n{text}".encode())
        line = base64.b64encode(key_id + timestamp.to_bytes(8, "big") + signature).decode()
        answer["cosignatures"] = [{"witness": name, "note": f"{note}\u2014 {name} {line}\n"}]
    vkey = f"{name}+{key_id.hex()}+" + base64.b64encode(b"\x04" + public).decode()
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode(), vkey


def differential(driver, bundle, uncosigned, ledger_key, policy, work):
    """The page's checks and ledgerctl check-bundle agree: on the bundle (both verify), on it without the witness's
    cosignatures (both refuse) and with one byte changed at 120 places spread over it. Two implementations of
    ledger-format.md §13, one written from its text alone, must accept and refuse alike."""
    script = """
        const [text, key, policy, done] = arguments;
        (async () => {
          try {
            const trust = await parsePolicy(policy);
            const proven = await checkBundle(JSON.parse(text), fromBase64(key), trust, () => {});
            done({ verified: true, accesses: proven.accesses.length });
          } catch (error) {
            done({ verified: false, reason: error.message });
          }
        })();"""
    driver.set_script_timeout(120)
    policy_text = open(policy).read()
    places = sorted({len(bundle) * n // 120 for n in range(120)})
    agreed = {True: 0, False: 0}
    for at in [None, "uncosigned"] + places:
        changed = bytearray(uncosigned if at == "uncosigned" else bundle)
        if isinstance(at, int):
            changed[at] ^= 1
        path = os.path.join(work, "changed.json")
        open(path, "wb").write(changed)
        ctl = subprocess.run([CTL, "check-bundle", path, "--ledger-key", ledger_key, "--policy", policy],
                             capture_output=True, text=True)
        page = driver.execute_async_script(script, changed.decode(), ledger_key, policy_text)
        which = "as cosigned" if at is None else at if at == "uncosigned" else f"with byte {at} changed"
        expect(page["verified"] == (ctl.returncode == 0),
               f"the bundle {which}: the page says {page}, ledgerctl check-bundle {ctl.returncode}: {ctl.stderr.strip()[:300]}")
        if not isinstance(at, int):
            expect(page["verified"] == (at is None), f"the bundle {which}: verified is {page['verified']}")
        agreed[page["verified"]] += 1
    print(f"docs/verify.html and ledgerctl check-bundle agree on {len(places) + 2} bundles: "
          f"{agreed[True]} verified, {agreed[False]} refused")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp()
    ledgerd = None
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--window-size=1280,1600"]:
        options.add_argument(argument)
    downloads = os.path.join(work, "downloads")
    # A reader in Korea: Accept-Language asks for Korean first. Downloads go to a directory of the test's own.
    options.add_experimental_option("prefs", {"intl.accept_languages": "ko-KR,ko,en", "download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    driver = None
    try:
        ledgerd, http, brokers, ledger_key, subject_key = start_ledgerd(work)
        subject, token, accesses, consents = citizen_with_story(work, http, brokers)
        print(f"citizen {subject}: {len(accesses['items'])} accesses on the first page, {len(consents)} consents")
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        base = f"http://{http}"

        # Sign in, in Korean by default.
        driver.get(base + "/")
        expect(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko", "the page is not Korean by default")
        driver.save_screenshot(f"{SHOTS}/sign-in.png")
        driver.find_element(By.NAME, "subject").send_keys(subject)
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button"))
        expect(driver.current_url.endswith("/accesses"), f"sign-in led to {driver.current_url}")

        # Exactly the citizen's accesses, with the API's verdicts; violations set apart.
        shown = rows(driver, "violation-list") + rows(driver, "access-list")
        expected = sorted(a["outcome"] for a in accesses["items"])
        expect(sorted(r.get_attribute("data-verdict") for r in shown) == expected,
               f"the page shows verdicts {sorted(r.get_attribute('data-verdict') for r in shown)}, the API {expected}")
        violations = [r.get_attribute("data-verdict") for r in rows(driver, "violation-list")]
        expect(violations and all(v in VIOLATIONS for v in violations), "violations are not set apart")
        expect(all(r.get_attribute("data-verdict") not in VIOLATIONS for r in rows(driver, "access-list")),
               "a violation is among the other records")
        driver.save_screenshot(f"{SHOTS}/accesses-ko.png")

        fits_a_phone(driver, "the page", "accesses-360px")

        # Filter by one violation's verdict.
        verdict = violations[0]
        Select(driver.find_element(By.NAME, "verdict")).select_by_value(verdict)
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button"))
        filtered = [r.get_attribute("data-verdict") for r in rows(driver, "violation-list") + rows(driver, "access-list")]
        expected = api(http, token, f"/v1/me/accesses?limit=50&verdict={verdict}")["items"]
        expect(filtered == [verdict] * len(expected), f"filtered by {verdict}: the page shows {filtered}")
        driver.save_screenshot(f"{SHOTS}/accesses-filtered.png")

        # English, and back to Korean.
        follow(driver, driver.find_element(By.CSS_SELECTOR, "a.language"))
        expect(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the switch did not give English")
        expect(driver.find_element(By.TAG_NAME, "h2").text == "My accesses", "the English page's heading")
        expect(f"verdict={verdict}" in driver.current_url, "the language switch lost the filter")
        driver.save_screenshot(f"{SHOTS}/accesses-en.png")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "a.language"))
        expect(driver.find_element(By.TAG_NAME, "h2").text == "내 정보 접근 내역", "back to Korean")

        # Consents: a revoked one as revoked, with who granted it.
        follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/consents']"))
        revoked = next(c for c in consents if c["status"] == "revoked")
        row = driver.find_element(By.CSS_SELECTOR, f"#consent-list tr[data-consent='{revoked['consentId']}']")
        expect(row.get_attribute("data-status") == "revoked", "the revoked consent is not shown revoked")
        granted_by = revoked["grantedBy"].get("name") or revoked["grantedBy"]["id"]
        expect(granted_by in row.text and "철회" in row.text, f"the revoked consent's row says: {row.text}")
        history = row.find_element(By.TAG_NAME, "details")
        history.find_element(By.TAG_NAME, "summary").click()
        changes = [li.get_attribute("data-change") for li in history.find_elements(By.TAG_NAME, "li")]
        expect(changes == [c["change"] for c in revoked["changes"]] and "revoked" in changes,
               f"the revoked consent's history shows {changes}")
        expect(len(rows(driver, "consent-list")) == len(consents), "not every consent is shown")
        driver.save_screenshot(f"{SHOTS}/consents.png")

        # Institutions, with counts.
        follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/institutions']"))
        expect(rows(driver, "institution-list"), "no institution is listed")
        driver.save_screenshot(f"{SHOTS}/institutions.png")

        # The proof: every ledger with its checkpoint, and the whole history to download, which ledgerctl check-bundle
        # then checks offline under the ledger key; with one byte changed, it refuses it.
        follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/proof']"))
        expect(len(rows(driver, "ledger-list")) == 8, "the proof view does not list the 8 ledgers")
        mine = sum(int(r.find_elements(By.TAG_NAME, "td")[2].text) for r in rows(driver, "ledger-list"))
        # The view's own check in the browser: the bundle fetched and checked, every row held to what it proves; a
        # number changed in the table, the check run again refuses it.
        check = driver.find_element(By.ID, "browser-check")
        WebDriverWait(driver, 120).until(lambda _: check.get_attribute("data-state") in ("verified", "refused"))
        expect(check.get_attribute("data-state") == "verified", f"the proof view's check in the browser: {check.text}")
        expect(all(r.get_attribute("data-checked") == "true" for r in rows(driver, "ledger-list")),
               "the proof view's check did not hold every row to the proof")
        driver.save_screenshot(f"{SHOTS}/proof.png")
        driver.execute_script("""
            const cell = document.querySelector("#ledger-list tbody tr td:nth-child(3)");
            cell.textContent = String(Number(cell.textContent) + 1);
            document.getElementById("browser-check").dispatchEvent(new Event("recheck"));""")
        WebDriverWait(driver, 120).until(lambda _: check.get_attribute("data-state") == "refused")
        expect("증명과 다릅니다" in check.text, f"the proof view's check of a changed number says: {check.text}")
        driver.save_screenshot(f"{SHOTS}/proof-mismatch.png")
        print("the proof view checked the bundle in the browser, and refused a number changed in its table")
        driver.find_element(By.ID, "bundle").click()
        bundle = os.path.join(downloads, "consent-ledger-history.json")
        for _ in range(60):
            if os.path.exists(bundle):
                break
            time.sleep(0.5)
        expect(os.path.exists(bundle), "the bundle was not downloaded")
        checked = subprocess.run([CTL, "check-bundle", bundle, "--ledger-key", ledger_key], capture_output=True, text=True)
        expect(checked.returncode == 0 and f"bundle of {subject}" in checked.stdout,
               f"the downloaded bundle did not check: {checked.stderr}")
        total, cursor = 0, ""
        while cursor is not None:
            page = api(http, token, "/v1/me/accesses?limit=100" + (f"&cursor={cursor}" if cursor else ""))
            total, cursor = total + len(page["items"]), page.get("nextCursor")
        expect(f"verified: {total} accesses" in checked.stdout,
               f"the bundle does not prove the citizen's {total} accesses: {checked.stdout.splitlines()[-1]}")
        entries = sum(len(l["entries"]) for l in json.load(open(bundle))["ledgers"])
        expect(mine == entries, f"the proof view counts {mine} records of the citizen, the bundle holds {entries}")
        print("downloaded bundle: " + checked.stdout.strip().splitlines()[-1][:120] + "…")
        tampered = bytearray(open(bundle, "rb").read())
        at = tampered.index(b'"leaf":"') + 20
        tampered[at] = ord("A") if tampered[at] != ord("A") else ord("B")
        open(bundle + ".tampered", "wb").write(tampered)
        refused = subprocess.run([CTL, "check-bundle", bundle + ".tampered", "--ledger-key", ledger_key],
                                 capture_output=True, text=True)
        expect(refused.returncode == 1 and "NOT VERIFIED" in refused.stderr, "a bundle with a changed byte was accepted")

        # The offline verifier page, from disk, under a trust policy that names a witness (the test's own, which
        # cosigns every checkpoint of the bundle) and the subject key; and beside ledgerctl check-bundle.
        witnessed, witness = cosigned(open(bundle, "rb").read(), "witness.test")
        open(bundle + ".witnessed", "wb").write(witnessed)
        policy = os.path.join(work, "citizen.policy")
        open(policy, "w").write(f"witness {witness}\nquorum 1\nsubject-key {subject_key}\n")
        verify_offline(driver, bundle + ".witnessed", ledger_key, policy, total)
        differential(driver, witnessed, open(bundle, "rb").read(), ledger_key, policy, work)

        # Sign out.
        driver.get(base + "/proof")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button"))
        driver.get(base + "/accesses")
        expect(driver.find_element(By.NAME, "subject"), "signed out, the page still shows a history")

        # Production's hand-over: an identity provider redirects to the page with the token in the fragment, which the
        # page takes out of the address and posts to /session itself.
        driver.get(f"{base}/#token={token}")
        WebDriverWait(driver, 30).until(lambda _: driver.current_url.endswith("/accesses"))
        expect(token not in driver.current_url and rows(driver, "access-list") + rows(driver, "violation-list"),
               f"the fragment's token did not sign in: {driver.current_url}")
        expect(driver.find_element(By.ID, "signed-in-as").text == subject, "the page does not name who is signed in")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button"))

        # An erasure: another citizen's data holder asks for all their records to be erased. Their history still lists
        # every access, proven, with who asked; the bundle verifies in verify.html and in check-bundle, and an erasure
        # claimed by another leaf is refused by both.
        erased, erased_token, erasing = erase_a_citizen(work, http, brokers, subject)
        all_checkpointed(work, http)
        driver.get(base + "/accesses")  # a page of another address: the hand-over below is a new document's load
        driver.get(f"{base}/#token={erased_token}")
        WebDriverWait(driver, 30).until(lambda _: driver.current_url.endswith("/accesses"))
        marked = [r for r in rows(driver, "access-list") + rows(driver, "violation-list") if "삭제됨:" in r.text and "내용을 지웠습니다" in r.text]
        expect(marked and all(f"#{erasing}" in r.text for r in marked), "the page does not show the erased accesses as erased")
        driver.save_screenshot(f"{SHOTS}/erased-ko.png")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button"))
        erased_bundle = os.path.join(work, "erased.json")
        request = urllib.request.Request(f"{base}/v1/me/bundle", headers={"Authorization": f"Bearer {erased_token}"})
        open(erased_bundle, "wb").write(urllib.request.urlopen(request).read())
        checked = subprocess.run([CTL, "check-bundle", erased_bundle, "--ledger-key", ledger_key], capture_output=True, text=True)
        expect(checked.returncode == 0, f"check-bundle refused the erased citizen's bundle: {checked.stderr}")
        result = check_in_verifier(driver, erased_bundle, ledger_key, None)
        expect(result.get_attribute("data-state") == "verified", f"verify.html refused the erased citizen's bundle: {result.text}")
        expect(any("요청으로 삭제됨" in r.text for r in rows(driver, "access-list")), "verify.html does not show who erased")
        driver.save_screenshot(f"{SHOTS}/verify-erased.png")
        content = open(erased_bundle).read()
        moved = content.replace(f'"erasedBy":{erasing}', f'"erasedBy":{erasing - 1}', 1)
        expect(moved != content, "the erased citizen's bundle names no erasure")
        open(erased_bundle + ".moved", "w").write(moved)
        refused = subprocess.run([CTL, "check-bundle", erased_bundle + ".moved", "--ledger-key", ledger_key],
                                 capture_output=True, text=True)
        result = check_in_verifier(driver, erased_bundle + ".moved", ledger_key, None)
        expect(refused.returncode == 1 and result.get_attribute("data-state") == "refused",
               f"an erasure claimed by another leaf: check-bundle {refused.returncode}, verify.html {result.text}")
        print(f"citizen {erased}'s records erased by leaf {erasing}: still listed and proven, with who asked; "
              "an erasure claimed by another leaf is refused by verify.html and check-bundle")
        print(f"browser test passed; screenshots in {SHOTS}")
    finally:
        if driver:
            driver.quit()
        if ledgerd:
            ledgerd.send_signal(signal.SIGTERM)
            ledgerd.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
