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
