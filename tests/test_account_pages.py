"""The account and newsletter pages in Chromium, against the real API: as a visitor would."""

from __future__ import annotations

import email
import re
from email.policy import default
from pathlib import Path

MEETING = "defence-ministers-meet-in-brussels"
PASSWORD = "Correct-Horse-9-Battery"


def latest_code(var: Path, address: str, api=None) -> str:
    if api is not None:
        api.jobs.drain()  # mail is sent off the request path: wait for the queue, no sleeping
    messages = sorted((var / "var" / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    for path in reversed(messages):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] == address:
            text = message.get_body(("plain",)).get_content()
            return re.search(r"\b(\d{6})\b", text).group(1)
    raise AssertionError(f"no e-mail to {address}")


def test_register_verify_then_download_broadcast(
    browser, demo_server, demo_var, demo_api_config, artifacts
):
    address = "journalist@example.org"
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{demo_server}/fr/news/{MEETING}/")
    full = page.locator("#dl-full")
    full.get_by_label("Format").select_option("broadcast")
    full.get_by_role("link", name="Connectez-vous pour télécharger").click()
    page.wait_for_url(re.compile(r"/fr/account/login/\?return_to="))
    page.get_by_role("link", name="Créer un compte multimédia gratuit").click()
    page.wait_for_url(re.compile(r"/fr/account/register/\?return_to="))

    page.get_by_label("Adresse électronique", exact=True).fill(address)
    password = page.get_by_label("Mot de passe", exact=True)
    password.fill("court")
    assert "unmet" in page.locator("li[data-rule=min_length]").get_attribute("class")
    page.get_by_role("button", name="Créer mon compte").click()
    alert = page.get_by_role("alert").first
    alert.wait_for()
    assert "au moins 12\u00a0caractères" in alert.inner_text()
    password.fill(PASSWORD)
    assert "met" in page.locator("li[data-rule=min_length]").get_attribute("class").split()
    page.screenshot(path=str(artifacts / "register-fr-1280.png"), full_page=True)
    page.get_by_role("button", name="Créer mon compte").click()

    # the verification step, on the same page: the password typed above goes with the code
    page.wait_for_url(re.compile(r"/fr/account/verify/\?"))
    step = page.locator("[data-verify-step]")
    # the page is the verification page now: its heading, its title, where the code went
    page.get_by_role("heading", level=1, name="Confirmez votre adresse électronique").wait_for()
    assert page.title().startswith("Confirmez votre adresse électronique")
    assert f"code à six chiffres à {address}. Il est valable" in step.locator(".lede").inner_text()
    assert not page.get_by_text("Vous avez déjà un compte").is_visible()
    assert not page.get_by_label("Mot de passe", exact=True).is_visible()
    page.get_by_label("Code", exact=True).fill(
        "000000" if latest_code(demo_var, address, demo_api_config) != "000000" else "111111"
    )
    page.get_by_role("button", name="Confirmer").click()
    alert = page.get_by_role("alert").first
    alert.wait_for()
    assert "Ce code est incorrect" in alert.inner_text()
    # a new code: the error about the last one goes; a screen reader hears one sentence, not
    # a countdown that changes every second
    page.get_by_role("button", name="Envoyer un nouveau code").click()
    said = step.get_by_role("status")
    said.get_by_text("Vous pourrez en demander un autre dans 60\u00a0s.").wait_for(state="attached")
    alert.wait_for(state="hidden")
    code_box = page.get_by_label("Code", exact=True)
    assert code_box.input_value() == "" and code_box.get_attribute("aria-invalid") is None
    ticking = page.get_by_text(re.compile(r"nouveau code dans \d+\u00a0s"))
    ticking.wait_for()
    assert ticking.get_attribute("aria-hidden") == "true"
    page.wait_for_timeout(1100)  # one more tick: still the one sentence for assistive technology
    assert said.inner_text() == (
        "Un nouveau code vous a été envoyé. Vous pourrez en demander un autre dans 60\u00a0s."
    )
    assert page.get_by_role("button", name="Envoyer un nouveau code").is_disabled()
    page.get_by_label("Code", exact=True).fill(latest_code(demo_var, address, demo_api_config))
    page.get_by_role("button", name="Confirmer").click()

    # Back where the visitor was: the same version, the broadcast format still chosen.
    page.wait_for_url(f"{demo_server}/fr/news/{MEETING}/#dl-full-broadcast")
    assert page.locator("#dl-full").get_by_label("Format").input_value() == "broadcast"
    link = page.locator("#dl-full").get_by_role("link", name="Télécharger", exact=True)
    link.wait_for()
    page.wait_for_function(
        "document.querySelector('#dl-full a[data-download]').href.includes('/api/download/')"
    )
    response = page.request.get(demo_server + link.get_attribute("href"), max_redirects=0)
    assert response.status == 302
    assert "/api/download/file?" in response.headers["location"]
    context.close()


def test_account_panel_newsletter_and_delete(browser, demo_server, demo_var, demo_api_config):
    address = "editor@example.org"
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{demo_server}/en/account/register/")
    page.get_by_label("E-mail address", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/en/account/verify/"))
    page.get_by_label("Code", exact=True).fill(latest_code(demo_var, address, demo_api_config))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{demo_server}/en/account/")
    panel = page.locator("[data-account-panel]")
    panel.get_by_text(address).wait_for()
    page.get_by_label("Send me the newsletter").check()
    page.get_by_text("Saved.").wait_for()
    assert context.request.get(f"{demo_server}/api/account/me").json()["newsletter"] is True
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(f"{demo_server}/en/")
    assert context.request.get(f"{demo_server}/api/account/me").status == 401
    context.close()


def test_newsletter_double_opt_in_from_the_footer(browser, demo_server, demo_var, demo_api_config):
    address = "reader@example.org"
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo_server}/fr/")
    footer = page.locator("footer")
    footer.get_by_label("Votre adresse électronique").fill(address)
    footer.get_by_role("button", name="S’abonner").click()
    footer.get_by_text("consultez votre boîte de réception et confirmez").wait_for()
    demo_api_config.jobs.drain()
    messages = sorted(
        (demo_var / "var" / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns
    )
    confirm = email.message_from_bytes(messages[-1].read_bytes(), policy=default)
    url = re.search(
        r"(http://\S+/newsletter/confirm/\?token=\S+)", confirm.get_body(("plain",)).get_content()
    ).group(1)
    page.goto(url)  # a GET, as a link scanner would: nothing is confirmed yet
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    page.get_by_text("Votre abonnement est confirmé").wait_for()
    context.close()


def test_reset_password_returns_to_the_page(browser, demo_server, demo_var, demo_api_config):
    address = "desk@example.org"
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.request.post(
        f"{demo_server}/api/account/register",
        data={"email": address, "password": PASSWORD},
        headers={"Origin": demo_server},
    )
    page.request.post(
        f"{demo_server}/api/account/verify",
        data={
            "email": address,
            "code": latest_code(demo_var, address, demo_api_config),
            "password": PASSWORD,
        },
        headers={"Origin": demo_server},
    )
    page.request.post(f"{demo_server}/api/account/logout", data={}, headers={"Origin": demo_server})
    back = f"/en/news/{MEETING}/"
    page.goto(f"{demo_server}/en/account/login/?return_to={back}")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address", exact=True).fill(address)
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url(re.compile(r"/en/account/reset/\?"))
    sent = page.locator("[data-sent-to]")
    assert sent.is_visible() and address in sent.inner_text()  # where the code went
    code = page.get_by_label("Code", exact=True)
    assert code.evaluate("node => node === document.activeElement")
    # pasted from a mail app, with spaces around it: every digit is kept
    code.fill(f" {latest_code(demo_var, address, demo_api_config)} ")
    assert re.fullmatch(r"\d{6}", code.input_value())
    page.get_by_label("New password").fill("Brand-New-Pass-2025")
    page.get_by_role("button", name="Change my password").click()
    page.get_by_role("heading", name="Your password has been changed").wait_for()
    # done: the form and "send a new code" are gone, not left live under the message
    assert not code.is_visible()
    assert not page.get_by_role("button", name="Change my password").is_visible()
    assert not page.get_by_role("button", name="Send a new code").is_visible()
    page.get_by_role("link", name="Back to where I was").click()
    page.wait_for_url(f"{demo_server}{back}")
    context.close()


def test_a_registrant_who_never_confirmed_finds_the_way_back_from_the_login_page(
    browser, demo_server, demo_var, demo_api_config
):
    """Signing in before confirming fails like any wrong password (it must not tell whether
    the address has an account); the login page and the mail show the way to the code."""
    address = "unconfirmed@example.org"
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.request.post(
        f"{demo_server}/api/account/register",
        data={"email": address, "password": PASSWORD, "lang": "fr"},
        headers={"Origin": demo_server},
    )
    page.goto(f"{demo_server}/fr/account/login/")
    page.get_by_role("link", name="Saisissez votre code ou demandez-en un nouveau").click()
    page.wait_for_url(re.compile(r"/fr/account/verify/"))
    page.get_by_label("Adresse électronique", exact=True).fill(address)
    page.get_by_label("Code", exact=True).fill(latest_code(demo_var, address, demo_api_config))
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(re.compile(r"/fr/account/$"))
    outbox = (demo_var / "var" / "outbox").glob("*.eml")
    mails = [email.message_from_bytes(p.read_bytes(), policy=default) for p in outbox]
    mail = next(m for m in mails if m["To"] == address)
    assert f"{demo_server}/fr/account/verify/" in mail.get_body(("plain",)).get_content()
    assert f'href="{demo_server}/fr/account/verify/"' in mail.get_body(("html",)).get_content()
    context.close()


def test_after_a_reload_the_verify_page_asks_for_the_password_again(
    browser, demo_server, demo_var, demo_api_config
):
    address = "reloaded@example.org"
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo_server}/fr/account/register/")
    page.get_by_label("Adresse électronique", exact=True).fill(address)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(re.compile(r"/fr/account/verify/\?"))
    page.reload()  # the password typed at registration is gone with the page
    assert page.get_by_label("Adresse électronique", exact=True).input_value() == address
    page.get_by_text("Saisissez de nouveau le mot de passe").wait_for()
    page.get_by_label("Code", exact=True).fill(latest_code(demo_var, address, demo_api_config))
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(f"{demo_server}/fr/account/")
    login = context.request.post(
        f"{demo_server}/api/account/login",
        data={"email": address, "password": PASSWORD},
        headers={"Origin": demo_server},
    )
    assert login.status == 200
    context.close()


def test_an_address_at_an_international_domain_registers_and_signs_in_from_the_forms(
    browser, demo_server, demo_var, demo_api_config
):
    """Chromium sends an address typed as ana@exämple.org in its `xn--` spelling (an e-mail
    field's value is punycode): the forms register it, and either spelling signs in."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo_server}/fr/account/register/")
    page.get_by_label("Adresse électronique", exact=True).fill("ana@exämple.org")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(re.compile(r"/fr/account/verify/\?"))
    sent_to = "ana@xn--exmple-cua.org"
    page.get_by_label("Code", exact=True).fill(latest_code(demo_var, sent_to, demo_api_config))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(f"{demo_server}/fr/account/")
    other = browser.new_context(locale="fr-FR").new_page()
    other.goto(f"{demo_server}/fr/account/login/")
    other.locator("#email").fill("ana@exämple.org")
    other.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    other.get_by_role("button", name="Se connecter", exact=True).click()
    other.wait_for_url(f"{demo_server}/fr/account/")
    other.context.close()
    context.close()


def test_the_unsubscribe_link_of_an_issue_opens_a_page_with_one_button(
    browser, demo_server, demo_var, demo_api_config
):
    from newsreel.api.newsletter import Newsletter

    address = "lecteur@example.org"
    config = demo_api_config
    letters = Newsletter(config.store, config.secret, config.site_url)
    letters.confirm_address(address, "fr", config.clock.now())
    letters.send_issue(config.mailer, config.sender, {"fr": "Actualités"}, {"fr": "Texte."})
    messages = sorted(
        (demo_var / "var" / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns
    )
    parsed = [email.message_from_bytes(path.read_bytes(), policy=default) for path in messages]
    issue = [message for message in parsed if message["To"] == address][-1]
    url = re.search(
        r"(http://\S+/fr/newsletter/unsubscribe/\?token=\S+)",
        issue.get_body(("plain",)).get_content(),
    ).group(1)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(url)  # a GET, as a link scanner would: nothing happens yet
    assert letters.status(address) == "confirmed"
    assert page.get_by_role("button").filter(has_text="Se désabonner").count() == 1
    page.get_by_role("button", name="Se désabonner").click()
    page.get_by_text("Votre désabonnement est confirmé").wait_for()
    assert letters.status(address) is None
    context.close()


def test_a_sign_in_link_cannot_send_the_reader_to_another_site(
    browser, demo_server, demo_var, demo_api_config
):
    """`return_to` takes a path of this site only, as the browser reads it: it drops a tab or a
    line break anywhere, so `/%09/evil.example` would be `//evil.example`, another site. After
    signing in from such a link the reader lands on their account page; a real path of the site
    is still followed."""
    address = "returning@example.org"
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    for route, body in (
        ("register", {"email": address, "password": PASSWORD}),
        ("verify", {"email": address, "password": PASSWORD}),
        ("logout", {}),
    ):
        if route == "verify":
            body["code"] = latest_code(demo_var, address, demo_api_config)
        answer = page.request.post(
            f"{demo_server}/api/account/{route}", data=body, headers={"Origin": demo_server}
        )
        assert answer.ok, (route, answer.status)
    for trick in (
        "/%09/evil.example/phish",
        "/%0a/evil.example/",
        "/%0D/evil.example/",
        "https:evil.example",
    ):
        page.goto(f"{demo_server}/en/account/login/?return_to={trick}")
        page.locator("#email").fill(address)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.wait_for_url(f"{demo_server}/en/account/")
        page.request.post(
            f"{demo_server}/api/account/logout", data={}, headers={"Origin": demo_server}
        )
    back = f"/en/news/{MEETING}/?x=1#t=8,16"
    page.goto(
        f"{demo_server}/en/account/login/?return_to=%2Fen%2Fnews%2F{MEETING}%2F%3Fx%3D1%23t%3D8%2C16"
    )
    page.locator("#email").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{demo_server}{back}")
    context.close()
