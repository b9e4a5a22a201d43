from newsreel.typography import NBSP, NNBSP, french_html, french_text


def test_spaces_before_high_punctuation_become_unbreakable():
    assert french_text("Vraiment ? Oui ! Non ; si : bon") == (
        f"Vraiment{NNBSP}? Oui{NNBSP}! Non{NNBSP}; si{NBSP}: bon"
    )


def test_guillemets_get_unbreakable_spaces_typed_or_not():
    assert french_text("« Prêts »") == f"«{NBSP}Prêts{NBSP}»"
    assert french_text("«Prêts»") == f"«{NBSP}Prêts{NBSP}»"


def test_urls_times_and_markup_are_left_alone():
    html = '<p>À 10:30, voir <a href="https://example.org/a?b=1">https://example.org</a></p>'
    assert french_html(html) == html


def test_code_is_verbatim_but_text_around_it_is_typeset():
    html = "<p>Code : <code>a ? b : c</code> fini !</p>"
    assert french_html(html) == f"<p>Code{NBSP}: <code>a ? b : c</code> fini{NNBSP}!</p>"


def test_numbers_keep_their_units_and_placeholders_too():
    from newsreel.typography import typeset

    assert typeset("20 Mbit/s, AAC 48 kHz, −23 LUFS, 151,3 Mo", "fr") == (
        f"20{NBSP}Mbit/s, AAC 48{NBSP}kHz, −23{NBSP}LUFS, 151,3{NBSP}Mo"
    )
    assert typeset("dans {seconds} s.", "fr") == f"dans {{seconds}}{NBSP}s."
    assert typeset("in {seconds} s, 10 minutes, 3 octobre", "en") == (
        f"in {{seconds}}{NBSP}s, 10{NBSP}minutes, 3 octobre"
    )
    # a count and its word stay on one line ("valable 10 / minutes" on a phone), but only
    # whole words: "min" and "s" are no prefixes
    assert typeset("12 caractères, 6 chiffres, 2 minuscules, 4 sujets", "fr") == (
        f"12{NBSP}caractères, 6{NBSP}chiffres, 2 minuscules, 4 sujets"
    )


def test_apostrophes_become_typographic_in_text_but_not_in_code():
    from newsreel.typography import typeset_html

    assert typeset_html("<p>l'OTAN, NATO's <code>a='b'</code></p>", "fr") == (
        "<p>l’OTAN, NATO’s <code>a='b'</code></p>"
    )


def test_a_colon_after_an_inline_element_is_held_too():
    html = '<p>écrivez au <a href="/fr/x/">service de presse</a> : nous répondrons</p>'
    assert f"</a>{NBSP}: nous" in french_html(html)


def test_durations_cannot_be_misread():
    from newsreel.typography import format_duration

    assert format_duration(14_000, "fr") == f"14{NBSP}s"
    assert format_duration(60_000, "en") == f"1{NBSP}min"
    assert format_duration(74_400, "fr") == f"1{NBSP}min{NBSP}14{NBSP}s"
    assert format_duration(3_725_000, "en") == f"1{NBSP}h{NBSP}02{NBSP}min"


def test_sizes_in_decimal_units_of_each_language():
    from newsreel.typography import format_size

    assert format_size(151_300_000, "fr") == f"151,3{NBSP}Mo"
    assert format_size(151_300_000, "en") == f"151.3{NBSP}MB"
    assert format_size(999, "fr") == f"999{NBSP}o"


def test_the_rules_read_the_same_in_javascript(browser):
    """The search page applies the same rules in the browser: same results on the same text."""
    from newsreel.typography import rules, typeset

    text = "Réunion : « Notre soutien ! » d'abord ; 20 Mbit/s ? dans {seconds} s"
    page = browser.new_page()
    shown = page.evaluate(
        """([rules, text]) => rules.reduce(
             (out, [pattern, by]) => out.replace(new RegExp(pattern, "g"), by), text)""",
        [list(map(list, rules("fr"))), text],
    )
    page.close()
    assert shown == typeset(text, "fr")


def test_the_first_of_a_month_is_an_ordinal_in_french_only():
    import datetime as dt

    from newsreel.typography import format_long_date

    assert format_long_date(dt.date(2025, 10, 1), "fr") == "1er octobre 2025"
    assert format_long_date(dt.datetime(2025, 11, 1, 18, 0), "fr") == "1er novembre 2025"
    assert format_long_date(dt.date(2025, 10, 2), "fr") == "2 octobre 2025"
    assert format_long_date(dt.date(2025, 10, 11), "fr") == "11 octobre 2025"
    assert format_long_date(dt.date(2025, 10, 1), "en") == "1 October 2025"


def test_text_the_rules_are_skipped_for_would_not_have_changed():
    """Text without any character a rule needs is returned without running the rules; on any
    text, in either language, that shortcut must give what the rules give."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from newsreel.typography import _COMPILED, COMMON_RULES, FRENCH_RULES, typeset

    pieces = st.sampled_from(
        [" ", NBSP, NNBSP, "\n", "a", "É", "l", "'", "’", "«", "»", ":", ";", "!", "?", "0",
         "9", "}", "{n}", "Mo", "kHz", "s", "min", "%", "/", "<", ">", "-", ",", "."]
    )  # fmt: skip

    def by_the_rules(text: str, rules: tuple) -> str:
        for pattern, replacement in _COMPILED[rules]:
            text = pattern.sub(replacement, text)
        return text

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, max_size=12).map("".join))
    def check(text: str) -> None:
        assert typeset(text, "fr") == by_the_rules(text, FRENCH_RULES)
        assert typeset(text, "en") == by_the_rules(text, COMMON_RULES)

    check()
