"""Site-build benchmark: our bilingual build against plain Pelican (and Hugo when installed).

Generates N news items per language (`news/item-0001.en.md` and `news/item-0001.fr.md`, the
same slug), seeded so every run builds the same site, then times, in the same run and on the
same Markdown:

- our full build from cold (no cache, no output, fresh worker processes) and warm (content
  cache filled, fresh workers: `newsreel build` run a second time), each until every page is
  live and until both search indexes are in;
- our rebuild after one edit of one French item's body, as `newsreel watch` does it
  (`ChangeClassifier`: French only, and only the item's page and feeds rendered again, the rest
  of the language carried over as hard links), until the page is live, and until that
  language's search index has caught up;
- plain Pelican (`pelican -s plain.py -o out content`): default theme, no plugins, the same
  Markdown settings, DEFAULT_LANG "en", default URLs, no content cache, one run, cold;
- Hugo, when the `hugo` command exists, on the same items with Hugo front matter, a minimal
  layout and an en/fr configuration.

Targets (issue 2): our full build <= 1.3 x plain Pelican; our one-edit rebuild <= 0.5 x our
full build. Each figure is the median of `--rounds` rounds (default 3), the tools interleaved
within a round so that a busy machine slows them alike. Prints a table, the ratios against
their targets (PASS/FAIL), and, last, one JSON line of all figures. Exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newsreel.build import build_site, workers
from newsreel.build.watch import ChangeClassifier
from newsreel.project import Project

REPO = Path(__file__).resolve().parents[1]
FULL_TARGET = 1.3
REBUILD_TARGET = 0.5

# The same Markdown settings as the repository's pelicanconf.py (asserted in `generate`).
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

# ---------------------------------------------------------------------------------------------
# Content: plausible bilingual news items, deterministic for a given seed.

CATEGORIES = [
    ("Meetings", "Réunions"),
    ("Deterrence and defence", "Dissuasion et défense"),
    ("Partnerships", "Partenariats"),
    ("Innovation", "Innovation"),
    ("Operations", "Opérations"),
    ("Exercises", "Exercices"),
    ("Summits", "Sommets"),
    ("Science and technology", "Science et technologie"),
]
TAGS = [
    ("Ukraine", "Ukraine"),
    ("defence ministers", "ministres de la Défense"),
    ("foreign ministers", "ministres des Affaires étrangères"),
    ("counter-drone", "lutte antidrones"),
    ("Eastern Sentry", "Eastern Sentry"),
    ("European Union", "Union européenne"),
    ("air policing", "police du ciel"),
    ("air and missile defence", "défense aérienne et antimissile"),
    ("cyber defence", "cyberdéfense"),
    ("hybrid threats", "menaces hybrides"),
    ("Black Sea", "mer Noire"),
    ("Baltic Sea", "mer Baltique"),
    ("High North", "Grand Nord"),
    ("critical infrastructure", "infrastructures critiques"),
    ("DIANA", "DIANA"),
    ("innovation fund", "fonds pour l’innovation"),
    ("defence spending", "dépenses de défense"),
    ("defence industry", "industrie de défense"),
    ("women in peace and security", "femmes dans la paix et la sécurité"),
    ("climate and security", "changement climatique et sécurité"),
    ("partners", "partenaires"),
    ("Western Balkans", "Balkans occidentaux"),
    ("KFOR", "KFOR"),
    ("NATO Mission Iraq", "Mission OTAN en Iraq"),
    ("arms control", "maîtrise des armements"),
    ("nuclear deterrence", "dissuasion nucléaire"),
    ("space", "espace"),
    ("exercises", "exercices"),
    ("Secretary General", "secrétaire général"),
    ("Military Committee", "Comité militaire"),
]
CITIES = [
    ("Brussels", "Bruxelles"),
    ("The Hague", "La Haye"),
    ("Vilnius", "Vilnius"),
    ("Washington", "Washington"),
    ("Riga", "Riga"),
    ("Oslo", "Oslo"),
    ("Bucharest", "Bucarest"),
    ("Norfolk", "Norfolk"),
    ("Mons", "Mons"),
    ("Naples", "Naples"),
]
# (English, French, French subject is plural)
SUBJECTS = [
    ("The Secretary General", "Le secrétaire général", False),
    ("Allied defence ministers", "Les ministres de la Défense des pays de l’Alliance", True),
    ("The North Atlantic Council", "Le Conseil de l’Atlantique Nord", False),
    ("NATO’s Military Committee", "Le Comité militaire de l’OTAN", False),
    ("Representatives of the 32 Allies", "Les représentants des 32 Alliés", True),
    (
        "The Supreme Allied Commander Europe",
        "Le commandant suprême des forces alliées en Europe",
        False,
    ),
    ("Partner nations", "Les pays partenaires", True),
    ("Experts from across the Alliance", "Des experts de toute l’Alliance", True),
    ("The Chair of the Military Committee", "Le président du Comité militaire", False),
    ("National delegations", "Les délégations nationales", True),
]
# (English, French singular, French plural)
VERBS = [
    ("discussed", "a examiné", "ont examiné"),
    ("welcomed", "a salué", "ont salué"),
    ("reviewed", "a passé en revue", "ont passé en revue"),
    ("agreed on", "s’est accordé sur", "se sont accordés sur"),
    ("highlighted", "a souligné", "ont souligné"),
    ("called for more progress on", "a appelé à progresser sur", "ont appelé à progresser sur"),
    (
        "reaffirmed their commitment to",
        "a réaffirmé son attachement à",
        "ont réaffirmé leur attachement à",
    ),
    ("took stock of", "a fait le point sur", "ont fait le point sur"),
]
OBJECTS = [
    (
        "the Alliance’s deterrence and defence posture",
        "la posture de dissuasion et de défense de l’Alliance",
    ),
    ("continued support for Ukraine", "la poursuite du soutien à l’Ukraine"),
    ("new capability targets", "les nouveaux objectifs capacitaires"),
    ("investment in defence innovation", "l’investissement dans l’innovation de défense"),
    ("cooperation with the European Union", "la coopération avec l’Union européenne"),
    (
        "the security situation in the Black Sea region",
        "la situation sécuritaire dans la région de la mer Noire",
    ),
    ("measures against hybrid threats", "les mesures contre les menaces hybrides"),
    (
        "the protection of critical undersea infrastructure",
        "la protection des infrastructures sous-marines critiques",
    ),
    ("integrated air and missile defence", "la défense aérienne et antimissile intégrée"),
    (
        "the next steps of the Defence Innovation Accelerator",
        "les prochaines étapes de l’accélérateur d’innovation de défense",
    ),
    ("the readiness of Allied forces", "la disponibilité opérationnelle des forces alliées"),
    ("industrial production of munitions", "la production industrielle de munitions"),
]
CIRCUMSTANCES = [
    ("at NATO Headquarters in {city}", "au siège de l’OTAN à {city}"),
    ("during a two-day meeting in {city}", "lors d’une réunion de deux jours à {city}"),
    ("ahead of the next summit", "en amont du prochain sommet"),
    ("in a joint statement", "dans une déclaration commune"),
    (
        "with their counterparts from partner countries",
        "avec leurs homologues des pays partenaires",
    ),
    ("on the margins of the meeting", "en marge de la réunion"),
    ("for the first time since the summit", "pour la première fois depuis le sommet"),
    ("", ""),
]
OPENERS = [
    ("", ""),
    ("In addition, ", "Par ailleurs, "),
    ("Meanwhile, ", "Dans le même temps, "),
    ("According to officials, ", "Selon des responsables, "),
    ("As a result, ", "En conséquence, "),
    ("On this occasion, ", "À cette occasion, "),
]
QUOTES = [
    (
        "NATO is a defensive alliance, and it will remain so, but make no mistake: it is ready.",
        "L’OTAN est une alliance défensive, et elle le restera, "
        "mais que l’on ne s’y trompe pas : elle est prête.",
    ),
    ("Our support is vital. It will not falter.", "Notre soutien est vital. Il ne faiblira pas."),
    (
        "We must produce more, faster, together.",
        "Nous devons produire davantage, plus vite, ensemble.",
    ),
    (
        "Innovation is how we stay ahead of those who threaten us.",
        "L’innovation nous permet de garder une longueur d’avance sur ceux qui nous menacent.",
    ),
    (
        "Every Ally counts, and every Ally contributes.",
        "Chaque Allié compte, et chaque Allié contribue.",
    ),
]
QUESTIONS = [
    (
        "What comes next? Allies will report back within six months.",
        "Quelle suite ? Les Alliés rendront compte dans six mois.",
    ),
    (
        "Why now? The threat has grown faster than expected.",
        "Pourquoi maintenant ? La menace a grandi plus vite que prévu.",
    ),
    (
        "Is it enough? Not yet, officials say.",
        "Est-ce suffisant ? Pas encore, selon des responsables.",
    ),
]
HEADINGS = [
    ("Background", "Contexte"),
    ("Key points", "Points clés"),
    ("Next steps", "Prochaines étapes"),
    ("What was decided", "Ce qui a été décidé"),
]
LINKS = [
    (
        "the official communiqué",
        "le communiqué officiel",
        "https://www.nato.int/cps/en/natohq/official_texts.htm",
    ),
    (
        "NATO’s topics pages",
        "les dossiers thématiques de l’OTAN",
        "https://www.nato.int/cps/en/natohq/topics.htm",
    ),
    (
        "the press conference",
        "la conférence de presse",
        "https://www.nato.int/cps/en/natohq/opinions.htm",
    ),
]
PAGES = {
    "about": ("About", "À propos"),
    "conditions-of-use": ("Conditions of use", "Conditions d’utilisation"),
    "privacy": ("Privacy", "Confidentialité"),
    "contact": ("Contact", "Contact"),
}
EN, FR = 0, 1


def _words(text: str) -> int:
    return len(text.split())


class Writer:
    """Sentences in both languages, drawn from one seeded random generator.

    Each call returns an (English, French) pair, so the French item reads as a translation of
    the English one.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng

    def clause(self) -> tuple[str, str]:
        pick = self.rng.choice
        subject, verb, obj = pick(SUBJECTS), pick(VERBS), pick(OBJECTS)
        circumstance, city = pick(CIRCUMSTANCES), pick(CITIES)
        fr_verb = verb[2] if subject[2] else verb[1]
        en = f"{subject[0]} {verb[0]} {obj[0]} {circumstance[0].format(city=city[EN])}"
        fr = f"{subject[1]} {fr_verb} {obj[1]} {circumstance[1].format(city=city[FR])}"
        return en.strip(), fr.strip()

    def sentence(self) -> tuple[str, str]:
        opener = self.rng.choice(OPENERS)
        en, fr = self.clause()
        if opener[EN]:
            en, fr = opener[EN] + en[0].lower() + en[1:], opener[FR] + fr[0].lower() + fr[1:]
        if self.rng.random() < 0.3:  # a second clause, for longer sentences
            en2, fr2 = self.clause()
            en += ", and " + en2[0].lower() + en2[1:]
            fr += ", et " + fr2[0].lower() + fr2[1:]
        return en + ".", fr + "."

    def paragraph(self, sentences: int) -> tuple[str, str]:
        pairs = [self.sentence() for _ in range(sentences)]
        if self.rng.random() < 0.25:
            pairs.insert(self.rng.randrange(len(pairs) + 1), self.rng.choice(QUESTIONS))
        return " ".join(p[EN] for p in pairs), " ".join(p[FR] for p in pairs)

    def quote_intro(self) -> tuple[str, str]:
        subject = self.rng.choice(SUBJECTS[:1] + SUBJECTS[8:9])
        fr_verb = "a déclaré"
        return f"{subject[EN]} said:", f"{subject[FR]} {fr_verb} :"

    def body(self) -> tuple[str, str]:
        """~300 to 500 words: paragraphs, a heading, a list, a blockquote and a link."""
        rng = self.rng
        target = rng.randint(300, 460)  # words, the mean of English and French
        blocks: list[tuple[str, str]] = [self.paragraph(rng.randint(2, 3))]
        intro_en, intro_fr = self.quote_intro()
        quote = rng.choice(QUOTES)
        blocks.append((f"{intro_en}\n\n> “{quote[EN]}”", f"{intro_fr}\n\n> « {quote[FR]} »"))
        heading = rng.choice(HEADINGS)
        blocks.append((f"## {heading[EN]}", f"## {heading[FR]}"))
        bullets = [self.clause() for _ in range(rng.randint(3, 5))]
        blocks.append(
            (
                "\n".join(f"- {b[EN][0].lower()}{b[EN][1:]};" for b in bullets),
                "\n".join(f"- {b[FR][0].lower()}{b[FR][1:]} ;" for b in bullets),
            )
        )
        link = rng.choice(LINKS)
        en_link, fr_link = (
            f"[{link[EN]}]({link[2]})",
            f"[{link[FR]}]({link[2].replace('/en/', '/fr/')})",
        )
        para_en, para_fr = self.paragraph(2)
        blocks.append(
            (f"{para_en} More in {en_link}.", f"{para_fr} Pour en savoir plus : {fr_link}.")
        )
        while sum(_words("\n".join(b[lang] for b in blocks)) for lang in (EN, FR)) < 2 * target:
            blocks.append(self.paragraph(rng.randint(2, 4)))
        return "\n\n".join(b[EN] for b in blocks) + "\n", "\n\n".join(b[FR] for b in blocks) + "\n"

    def title(self) -> tuple[str, str]:
        subject, verb, obj = (self.rng.choice(x) for x in (SUBJECTS, VERBS, OBJECTS))
        fr_verb = verb[2] if subject[2] else verb[1]
        return f"{subject[EN]} {verb[EN]} {obj[EN]}", f"{subject[FR]} {fr_verb} {obj[FR]}"


def slug_width(items: int) -> int:
    return max(4, len(str(items)))


def item_name(number: int, items: int, lang: str) -> str:
    return f"news/item-{number:0{slug_width(items)}d}.{lang}.md"


def generate(root: Path, items: int, seed: int = 15102025) -> dict[str, int]:
    """A site in `root` (settings, content) of `items` bilingual news items and 4 bilingual
    pages, laid out as `tests/conftest.py`'s `write_site` does. Returns word counts."""
    rng = random.Random(seed)
    writer = Writer(rng)
    shutil.rmtree(root / "content", ignore_errors=True)
    (root / "content/news").mkdir(parents=True)
    (root / "content/pages").mkdir(parents=True)
    settings = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    settings += f"\nTHEME = {str(REPO / 'theme')!r}\n"
    (root / "pelicanconf.py").write_text(settings, encoding="utf-8")
    namespace: dict = {}
    exec(settings, namespace)  # the plain Pelican run must use the very same Markdown settings
    assert namespace["MARKDOWN"] == MARKDOWN, "pelicanconf.py's MARKDOWN changed: update MARKDOWN"

    start = datetime(2016, 1, 4, 9, 0)
    span_minutes = int((datetime(2025, 11, 20) - start).total_seconds() // 60)
    words = {"en": 0, "fr": 0}
    for number in range(1, items + 1):
        date = start + timedelta(minutes=rng.randrange(span_minutes))
        date = date.replace(minute=date.minute // 5 * 5)
        category = rng.choice(CATEGORIES)
        tags = rng.sample(TAGS, rng.randint(2, 3))
        title, summary, body = writer.title(), writer.sentence(), writer.body()
        for lang, index in (("en", EN), ("fr", FR)):
            head = [
                f"Title: {title[index]}",
                f"Date: {date:%Y-%m-%d %H:%M}",
                f"Lang: {lang}",
                f"Category: {category[index]}",
                f"Tags: {', '.join(tag[index] for tag in tags)}",
                f"Summary: {summary[index]}",
            ]
            if lang == "en":
                head.append("Translation: true")
            words[lang] += _words(body[index])
            path = root / "content" / item_name(number, items, lang)
            path.write_text("\n".join(head) + "\n\n" + body[index], encoding="utf-8")
    for slug, titles in PAGES.items():
        body = writer.body()
        for lang, index in (("en", EN), ("fr", FR)):
            extra = "Translation: true\n" if lang == "en" else ""
            (root / "content/pages" / f"{slug}.{lang}.md").write_text(
                f"Title: {titles[index]}\nLang: {lang}\n{extra}\n{body[index]}", encoding="utf-8"
            )
    return words


# ---------------------------------------------------------------------------------------------
# Our build.


def _fresh_workers() -> None:
    """Drop `build_site`'s kept worker processes, so the next build starts from cold (new
    Python processes importing Pelican), as `newsreel build` from a shell does."""
    workers.stop()


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) and of its ended, reaped children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def time_ours_once(root: Path, items: int, round_number: int) -> dict[str, float]:
    """Our full build cold and warm, each from fresh worker processes (as `newsreel build` run
    twice from a shell), then the one-edit rebuild with the workers kept (as `newsreel watch`).
    CPU seconds count the workers once they have ended, so only the full builds have them."""
    project = Project.at(root)
    shutil.rmtree(project.output, ignore_errors=True)
    shutil.rmtree(project.cache, ignore_errors=True)
    _fresh_workers()
    cpu, started = cpu_seconds(), time.perf_counter()
    result = build_site(project, search_index="background")
    cold = time.perf_counter() - started  # every page live
    result.search_thread.join()
    cold_indexed = time.perf_counter() - started  # and both search indexes in
    _fresh_workers()
    cold_cpu = cpu_seconds() - cpu

    cpu, started = cpu_seconds(), time.perf_counter()
    result = build_site(project, search_index="background")
    warm = time.perf_counter() - started  # every page live, as `cold` above
    result.search_thread.join()
    warm_indexed = time.perf_counter() - started
    _fresh_workers()
    warm_cpu = cpu_seconds() - cpu
    build_site(project)  # workers kept from here on, with Pelican imported: watch's state

    # One French item's body edited, its front matter kept: what `newsreel watch` rebuilds.
    classifier = ChangeClassifier(project.root / "content")
    edited = root / "content" / item_name(1 + (round_number * 7) % items, items, "fr")
    marker = f"Paragraphe modifié pour le banc d’essai, tour {round_number}."
    edited.write_text(edited.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
    languages = classifier.languages_to_rebuild([edited], ["en", "fr"])
    assert languages == ["fr"], languages
    started = time.perf_counter()
    only = classifier.body_only_outputs([edited], project.output)  # as `newsreel watch` does
    assert only, "a body-only edit of an item with its own Summary"
    result = build_site(project, languages=languages, search_index="background", only=only)
    rebuild = time.perf_counter() - started
    page = project.output / "fr/news" / edited.name.split(".")[0] / "index.html"
    assert marker in page.read_text(encoding="utf-8"), "the edit is not in the rebuilt page"
    if result.search_thread:
        result.search_thread.join()
    indexed = time.perf_counter() - started
    return {
        "ours_full_s": cold,
        "ours_full_indexed_s": cold_indexed,
        "ours_full_warm_s": warm,
        "ours_full_warm_indexed_s": warm_indexed,
        "ours_rebuild_s": rebuild,
        "ours_rebuild_indexed_s": indexed,
        "ours_full_cpu_s": cold_cpu,
        "ours_full_warm_cpu_s": warm_cpu,
    }


# ---------------------------------------------------------------------------------------------
# Plain Pelican.

PLAIN_SETTINGS = f"""\
# Plain Pelican: its default theme, no plugins, the same Markdown settings, no content cache.
SITENAME = "plain Pelican"
SITEURL = ""
TIMEZONE = "Europe/Brussels"
DEFAULT_LANG = "en"
ARTICLE_PATHS = ["news"]
PAGE_PATHS = ["pages"]
PLUGINS = []
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DEFAULT_PAGINATION = 10  # as pelicanconf.py: listings of 10, not one page of 1,000 items
# The slug from the file name (`item-0001.fr.md` -> `item-0001`), as our settings do, so that
# the two languages of an item are one article and its translation. URL settings: defaults.
FILENAME_METADATA = r"(?P<slug>[^.]+)(\\.[a-z]{{2}})?"
MARKDOWN = {MARKDOWN!r}
"""


def _pelican_command() -> list[str]:
    script = Path(sys.executable).with_name("pelican")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pelican"]


def time_plain_pelican_once(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one cold run of plain Pelican."""
    settings = root / "plain.py"
    settings.write_text(PLAIN_SETTINGS, encoding="utf-8")
    out = root / "plain-output"
    shutil.rmtree(out, ignore_errors=True)
    cpu, started = cpu_seconds(), time.perf_counter()
    subprocess.run(
        [*_pelican_command(), "-s", str(settings), "-o", str(out), "-q", str(root / "content")],
        cwd=root,
        check=True,
        capture_output=True,  # its "Done: Processed ..." line: print(...) even with -q
    )
    return time.perf_counter() - started, cpu_seconds() - cpu


# ---------------------------------------------------------------------------------------------
# Hugo.

HUGO_CONFIG = """\
baseURL = "http://127.0.0.1:8000/"
title = "Hugo"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
paginate = 10
timeZone = "Europe/Brussels"
[taxonomies]
category = "categories"
tag = "tags"
[languages.en]
languageName = "English"
weight = 1
[languages.fr]
languageName = "Français"
weight = 2
title = "Hugo (fr)"
[markup.highlight]
guessSyntax = false
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": (
        '<!DOCTYPE html>\n<html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8">'
        "<title>{{ .Title }} – {{ .Site.Title }}</title>"
        '{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Lang }}" '
        'href="{{ .Permalink }}">{{ end }}</head>\n'
        '<body><header><a href="{{ .Site.Home.RelPermalink }}">'
        "{{ .Site.Title }}</a><nav>{{ range .Site.Taxonomies.categories }}"
        '<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ end }}</nav></header>\n'
        '<main>{{ block "main" . }}{{ end }}</main></body></html>\n'
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1>'
        '<time datetime="{{ .Date.Format "2006-01-02T15:04" }}">{{ .Date.Format "2 January 2006" }}'
        "</time>{{ with .Params.categories }}<p>{{ range . }}{{ . }} {{ end }}</p>{{ end }}"
        "{{ .Content }}{{ with .Params.tags }}<p>{{ range . }}{{ . }} {{ end }}</p>{{ end }}"
        '{{ range .Translations }}<a hreflang="{{ .Lang }}" href="{{ .RelPermalink }}">'
        "{{ .Language.LanguageName }}</a>{{ end }}</article>{{ end }}\n"
    ),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>'
        "{{ $pages := .Pages }}{{ if .IsHome }}"
        '{{ $pages = where .Site.RegularPages "Section" "news" }}{{ end }}'
        "{{ $paginator := .Paginate $pages }}{{ range $paginator.Pages }}"
        '<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>'
        '<time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary }}</p></article>{{ end }}'
        '{{ with $paginator.Prev }}<a href="{{ .URL }}">prev</a>{{ end }}'
        '{{ with $paginator.Next }}<a href="{{ .URL }}">next</a>{{ end }}{{ end }}\n'
    ),
}


def _front_matter(meta: dict[str, str]) -> str:
    """Pelican's front matter as Hugo's YAML (JSON strings are YAML strings)."""

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = ["---", f"title: {q(meta['title'])}"]
    if "date" in meta:
        lines.append(f"date: {meta['date'].replace(' ', 'T')}:00")
    if "category" in meta:
        lines.append(f"categories: [{q(meta['category'])}]")
    if "tags" in meta:
        tags = ", ".join(q(tag.strip()) for tag in meta["tags"].split(","))
        lines.append(f"tags: [{tags}]")
    if "summary" in meta:
        lines.append(f"summary: {q(meta['summary'])}")
    lines.append("---")
    return "\n".join(lines)


def prepare_hugo(root: Path) -> Path:
    """The same items as a Hugo site: `content/news/item-0001.en.md` (Hugo's translation by
    file name, so the slug is shared), YAML front matter, a minimal layout."""
    site = root / "hugo"
    shutil.rmtree(site, ignore_errors=True)
    (site / "hugo.toml").parent.mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (site / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / name).write_text(text, encoding="utf-8")
    for folder in ("news", "pages"):
        (site / "content" / folder).mkdir(parents=True)
        for source in sorted((root / "content" / folder).glob("*.md")):
            head, _, body = source.read_text(encoding="utf-8").partition("\n\n")
            meta = {
                key.strip().lower(): value.strip()
                for key, _, value in (line.partition(":") for line in head.splitlines())
            }
            (site / "content" / folder / source.name).write_text(
                _front_matter(meta) + "\n\n" + body, encoding="utf-8"
            )
    return site


def time_hugo_once(hugo: str, site: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one cold Hugo build."""
    shutil.rmtree(site / "public", ignore_errors=True)
    shutil.rmtree(site / "resources", ignore_errors=True)
    cpu, started = cpu_seconds(), time.perf_counter()
    subprocess.run(
        [hugo, "--quiet", "--source", str(site), "--cacheDir", str(site / ".hugo-cache")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started, cpu_seconds() - cpu


# ---------------------------------------------------------------------------------------------


def _html_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="news items per language")
    parser.add_argument(
        "--hugo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time Hugo (default: when the `hugo` command exists)",
    )
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of measurements; medians")
    parser.add_argument("--seed", type=int, default=15102025, help="seed of the generated text")
    args = parser.parse_args()

    console = Console(width=None if sys.stdout.isatty() else 110)
    hugo = shutil.which("hugo") if args.hugo is not False else None
    root = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="newsreel-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    samples: list[dict[str, float]] = []
    pages: dict[str, int] = {}
    try:
        started = time.perf_counter()
        words = generate(root, args.items, args.seed)
        console.print(
            f"generated {args.items} items per language in {root} "
            f"({time.perf_counter() - started:.1f} s; mean body "
            f"{words['en'] / args.items:.0f} words en, {words['fr'] / args.items:.0f} fr)"
        )
        hugo_site = prepare_hugo(root) if hugo else None
        for round_number in range(args.rounds):
            sample = time_ours_once(root, args.items, round_number)
            sample["pelican_s"], sample["pelican_cpu_s"] = time_plain_pelican_once(root)
            if hugo and hugo_site:
                sample["hugo_s"], sample["hugo_cpu_s"] = time_hugo_once(hugo, hugo_site)
            samples.append(sample)
            console.print(
                f"round {round_number + 1}/{args.rounds}: "
                + ", ".join(f"{key} {value:.2f}" for key, value in sample.items())
            )
        pages = {
            "ours": _html_files(root / "output"),
            "pelican": _html_files(root / "plain-output"),
            "hugo": _html_files(hugo_site / "public") if hugo_site else 0,
        }
    finally:
        _fresh_workers()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    figures: dict[str, float | int | None] = {"items_per_language": args.items}
    for key in samples[0]:
        figures[key] = statistics.median(sample[key] for sample in samples)
    figures.setdefault("hugo_s", None)
    figures.setdefault("hugo_cpu_s", None)
    full_ratio = figures["ours_full_s"] / figures["pelican_s"]
    rebuild_ratio = figures["ours_rebuild_s"] / figures["ours_full_s"]
    figures["full_ratio"] = full_ratio
    figures["rebuild_ratio"] = rebuild_ratio
    figures["rebuild_vs_warm_ratio"] = figures["ours_rebuild_s"] / figures["ours_full_warm_s"]
    figures["full_indexed_ratio"] = figures["ours_full_indexed_s"] / figures["pelican_s"]
    figures["rebuild_indexed_ratio"] = (
        figures["ours_rebuild_indexed_s"] / figures["ours_full_indexed_s"]
    )
    figures["full_cpu_ratio"] = figures["ours_full_cpu_s"] / figures["pelican_cpu_s"]
    figures["rounds"] = args.rounds

    table = Table(
        title=f"Site build: {args.items} items per language, en + fr "
        f"(median of {args.rounds} round{'s' if args.rounds > 1 else ''})"
    )
    table.add_column("tool")
    table.add_column("scenario")
    table.add_column("seconds", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("CPU s", justify="right")
    table.add_column("HTML files", justify="right")
    pelican_s, full_s = figures["pelican_s"], figures["ours_full_s"]
    f = figures
    rows = [
        ("newsreel", "full build, cold: every page live", full_s, full_s / pelican_s,
         "× Pelican", f["ours_full_cpu_s"], pages.get("ours")),
        ("newsreel", "  … and both search indexes in", f["ours_full_indexed_s"],
         f["ours_full_indexed_s"] / pelican_s, "× Pelican", None, None),
        ("newsreel", "full build, warm content cache: pages live", f["ours_full_warm_s"],
         f["ours_full_warm_s"] / pelican_s, "× Pelican", f["ours_full_warm_cpu_s"], None),
        ("newsreel", "  … and both search indexes in", f["ours_full_warm_indexed_s"],
         f["ours_full_warm_indexed_s"] / pelican_s, "× Pelican", None, None),
        ("newsreel", "rebuild after one fr edit (page live)", f["ours_rebuild_s"],
         rebuild_ratio, "× our full", None, None),
        ("newsreel", "  … and its index (÷ full with indexes)", f["ours_rebuild_indexed_s"],
         f["rebuild_indexed_ratio"], "× our full", None, None),
        ("Pelican 4.12", "plain: default theme, no plugins, cold", pelican_s, 1.0,
         "× Pelican", f["pelican_cpu_s"], pages.get("pelican")),
    ]  # fmt: skip
    if f["hugo_s"] is not None:
        rows.append(
            ("Hugo", "en/fr, minimal layout, cold", f["hugo_s"], f["hugo_s"] / pelican_s,
             "× Pelican", f["hugo_cpu_s"], pages.get("hugo"))
        )  # fmt: skip
    for tool, scenario, seconds, ratio, unit, cpu, count in rows:
        table.add_row(
            tool,
            scenario,
            f"{seconds:.2f}",
            f"{ratio:.2f} {unit}",
            "" if cpu is None else f"{cpu:.1f}",
            str(count or ""),
        )
    if f["hugo_s"] is None:
        table.add_row("Hugo", "en/fr, minimal layout", "—", "", "", "")
    console.print(table)
    if figures["hugo_s"] is None:
        print("hugo: not installed" if args.hugo is not False else "hugo: skipped (--no-hugo)")
    for label, ratio, target in (
        ("our full build / plain Pelican", full_ratio, FULL_TARGET),
        ("our one-edit rebuild / our full build", rebuild_ratio, REBUILD_TARGET),
    ):
        verdict = "[bold green]PASS[/]" if ratio <= target else "[bold red]FAIL[/]"
        console.print(f"{label}: {ratio:.2f} (target <= {target}) {verdict}")
    console.print(
        f"(search indexes included on both sides: full / Pelican {f['full_indexed_ratio']:.2f}, "
        f"rebuild / full {f['rebuild_indexed_ratio']:.2f})"
    )
    console.print(
        f"(CPU seconds, less sensitive to other work on the machine: our full build "
        f"{f['ours_full_cpu_s']:.1f} / plain Pelican {f['pelican_cpu_s']:.1f} = "
        f"{f['full_cpu_ratio']:.2f})"
    )
    for key, value in figures.items():
        if isinstance(value, float):
            figures[key] = round(value, 3)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
