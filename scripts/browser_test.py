"""Drives the dashboard in headless Chromium; every step waits on a condition, never on a bare sleep."""
import json
import re
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, operate_key, read_key, shots, receiver = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

options = webdriver.ChromeOptions()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800", "--disable-dev-shm-usage"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
# The page re-renders its cards every few seconds: an element found a moment ago may be gone; look again.
wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))


def click(find):
    def attempt(_):
        find().click()
        return True
    wait.until(attempt)


def card(name):
    return driver.find_element(By.CSS_SELECTOR, f'article.card[data-destination="{name}"]')


def count(name, state):
    # The page redraws its cards on every refresh: an element found a moment ago may be gone; read it again.
    for _ in range(20):
        try:
            text = card(name).find_element(By.CSS_SELECTOR, f'dd[data-state="{state}"]').text
            return int(text.replace(",", "").replace("\u202f", "").replace("\u00a0", "").replace(".", "") or "0")
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"the count of {state} at {name} kept being redrawn")


def sign_in(key):
    wait.until(EC.visibility_of_element_located((By.ID, "key"))).send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#signin-form button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'article.card[data-destination="sfmc-async-events"]')))


def step(message):
    print("browser test:", message, flush=True)


try:
    driver.get(base + "/")
    step("the page asks for a key, and keeps it out of the address")
    sign_in(operate_key)
    assert operate_key not in driver.current_url
    assert driver.execute_script("return sessionStorage.getItem('journeyq.key')") == operate_key

    step("the counts move while the sandbox drains")
    first = count("sfmc-async-events", "confirmed")
    wait.until(lambda _: count("sfmc-async-events", "confirmed") > first)
    driver.save_screenshot(f"{shots}/dashboard-1280x800.png")

    step("search a key and open its timeline")
    wait.until(lambda _: count("sfmc-async-events", "confirmed") > 0)
    search = driver.find_element(By.ID, "search")
    search.send_keys("c00000")
    driver.find_element(By.CSS_SELECTOR, "#search-form button").click()
    link = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '#results a.key[data-key="c000001"]')))
    link.click()
    wait.until(lambda _: len(driver.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")) > 0)
    assert "Timeline of c000001" in driver.find_element(By.ID, "timeline").text
    # Data is text, never markup: the contact's data with angle brackets shows as written.
    assert len(driver.find_elements(By.CSS_SELECTOR, "#timeline b b")) == 0
    driver.save_screenshot(f"{shots}/timeline.png")

    step("dead letters of the Bulk destination, paused, redriven, back in queued")
    wait.until(lambda _: count("salesforce-bulk-ingest", "dead") > 0)
    click(lambda: card("salesforce-bulk-ingest"))
    wait.until(lambda _: driver.find_element(By.ID, "dead-title").text.endswith("salesforce-bulk-ingest"))
    wait.until(lambda _: len(driver.find_elements(By.CSS_SELECTOR, "#dead tbody tr")) > 0)
    click(lambda: card("salesforce-bulk-ingest").find_element(By.CSS_SELECTOR, 'button[data-action="pause"]'))
    wait.until(EC.alert_is_present())
    driver.switch_to.alert.accept()
    wait.until(lambda _: "paused" in card("salesforce-bulk-ingest").text)
    # The redrive says how many it moved; those are queued while the destination is paused. (Counting dead letters
    # before and after raced with a Bulk job in flight at the pause: its contacts stay sending while the pause holds
    # its polls, and one whose poll had left may still settle contacts dead.)
    driver.find_element(By.ID, "dead-reason").send_keys("INVALID")
    driver.find_element(By.CSS_SELECTOR, "#dead-form button[type=submit]").click()
    wait.until(EC.visibility_of_element_located((By.ID, "dead-redrive"))).click()
    wait.until(EC.alert_is_present())
    driver.switch_to.alert.accept()
    wait.until(EC.alert_is_present())
    said = driver.switch_to.alert.text
    driver.switch_to.alert.accept()
    moved = re.search(r"Back in the queue: ([0-9][^;]*);", said)
    assert moved, f"the redrive said: {said!r}"
    queued = int(re.sub(r"[^0-9]", "", moved.group(1)))
    assert queued > 0, f"the redrive said: {said!r}"
    try:
        wait.until(lambda _: count("salesforce-bulk-ingest", "queued") >= queued)
    except Exception:
        sys.exit(f'redrive: {said!r}; the card now reads: {card("salesforce-bulk-ingest").text!r}')
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(f"{shots}/redriven-while-paused.png")

    step("a webhook endpoint that fails, then takes everything after an operator's redelivery")
    wait.until(lambda _: driver.find_elements(By.CSS_SELECTOR, 'tr[data-webhook="producer"][data-status="failing"]'))
    urllib.request.urlopen(urllib.request.Request(receiver + "/_control/status", data=b"204", method="POST")).read()
    click(lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-webhook="producer"] button[data-action="redeliver"]'))
    wait.until(EC.alert_is_present())
    driver.switch_to.alert.accept()
    wait.until(EC.alert_is_present())
    said = driver.switch_to.alert.text
    driver.switch_to.alert.accept()
    assert "are due for producer" in said, said
    wait.until(lambda _: driver.find_elements(By.CSS_SELECTOR, 'tr[data-webhook="producer"][data-status="delivering"]'))
    wait.until(lambda _: json.load(urllib.request.urlopen(receiver + "/_stats"))["events"] > 0)
    assert json.load(urllib.request.urlopen(receiver + "/_stats"))["badSignatures"] == 0
    driver.find_element(By.ID, "webhooks-panel").screenshot(f"{shots}/webhooks.png")

    step("a read key sees no action")
    driver.find_element(By.ID, "signout").click()
    sign_in(read_key)
    click(lambda: card("salesforce-bulk-ingest"))
    wait.until(lambda _: len(driver.find_elements(By.CSS_SELECTOR, "#dead tbody tr")) > 0 or "No dead letters" in driver.find_element(By.ID, "dead").text)
    assert driver.find_elements(By.CSS_SELECTOR, "button[data-action]") == []
    assert not driver.find_element(By.ID, "dead-redrive").is_displayed()
    driver.save_screenshot(f"{shots}/read-key.png")

    step("a narrow window")
    driver.set_window_size(420, 900)
    driver.save_screenshot(f"{shots}/narrow-420.png")

    problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
                and "Content Security Policy" in entry["message"] or "Refused" in entry["message"]]
    assert problems == [], problems
    print(f"browser test passed; screenshots in {shots}")
finally:
    driver.quit()
