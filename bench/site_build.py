"""Site-build benchmark: our bilingual build against plain Pelican (and Hugo when installed).

Generates N news items per language (the same slug in English and French), then times, in the
same run and on the same Markdown:

- our full build from cold (no cache, no output) and warm (content cache filled);
- our rebuild after one edit of one French item (only French is rebuilt, from the cache), until
  the page is live, and until its language's search index has caught up;
- plain Pelican: default theme, no plugins, the same Markdown settings, one run, cold;
- Hugo, when the `hugo` command exists, on the same items converted to Hugo's layout.

Targets (issue 2): our full build <= 1.3 x plain Pelican; our one-edit rebuild <= 0.5 x our
full build. Each figure is the median of `--rounds` runs (default 3): this machine's timings
vary by ±20 % from one run to the next. Prints a table and, last, one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from newsreel.site.build import Project, build_site  # noqa: E402

CATEGORIES = [
    ("Meetings", "Réunions"),
    ("Deterrence and defence", "Dissuasion et défense"),
    ("Partnerships", "Partenariats"),
    ("Innovation", "Innovation"),
    ("Operations", "Opérations"),
    ("Exercises", "Exercices"),
    ("Summits", "Sommets"),
    ("Science", "Science"),
]
_CODE_WORDS = [
    "alfa",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliett",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
]
TAGS = [(f"topic {word}", f"sujet {word}") for word in _CODE_WORDS]
WORDS = {
    "en": [
        "alliance",
        "defence",
        "ministers",
        "meeting",
        "security",
        "posture",
        "deterrence",
        "support",
        "cooperation",
        "innovation",
        "capability",
        "investment",
        "threat",
        "partner",
        "council",
        "group",
        "summit",
        "headquarters",
        "statement",
        "allies",
        "territory",
        "people",
        "ready",
        "determined",
    ],
    "fr": [
        "alliance",
        "défense",
        "ministres",
        "réunion",
        "sécurité",
        "posture",
        "dissuasion",
        "soutien",
        "coopération",
        "innovation",
        "capacité",
        "investissement",
        "menace",
        "partenaire",
        "conseil",
        "groupe",
        "sommet",
        "siège",
        "déclaration",
        "alliés",
        "territoire",
        "population",
        "prête",
        "déterminée",
    ],
}


def _sentence(rng: random.Random, lang: str) -> str:
    words = [rng.choice(WORDS[lang]) for _ in range(rng.randint(8, 16))]
    sentence = " ".join(words).capitalize()
    return sentence + (" ?" if lang == "fr" and rng.random() < 0.1 else ".")


def _body(rng: random.Random, lang: str) -> str:
    paragraphs = [" ".join(_sentence(rng, lang) for _ in range(5)) for _ in range(4)]
    quote = "« " + _sentence(rng, lang) + " »" if lang == "fr" else f'"{_sentence(rng, lang)}"'
    heading = "## Contexte" if lang == "fr" else "## Background"
    bullets = "\n".join(f"- {_sentence(rng, lang)}" for _ in range(3))
    link = "[OTAN](https://www.nato.int/)" if lang == "fr" else "[NATO](https://www.nato.int/)"
    return (
        f"{paragraphs[0]}\n\n{paragraphs[1]} {link}\n\n{heading}\n\n{bullets}\n\n> {quote}\n\n"
        f"{paragraphs[2]}\n\n{paragraphs[3]}\n"
    )


def generate(root: Path, items: int, seed: int = 15102025) -> None:
    """A site of `items` bilingual news items and three bilingual pages."""
    from conftest import write_site

    rng = random.Random(seed)
    files: dict[str, str] = {}
    for number in range(1, items + 1):
        category = rng.choice(CATEGORIES)
        tags = rng.sample(TAGS, rng.randint(2, 3))
        date = f"20{15 + number % 10}-{1 + number % 12:02d}-{1 + number % 28:02d} 10:00"
        for index, lang in enumerate(("en", "fr")):
            title = _sentence(rng, lang).rstrip(".?").strip()
            files[f"news/item-{number:05d}.{lang}.md"] = (
                f"Title: {title}\nDate: {date}\nLang: {lang}\nCategory: {category[index]}\n"
                f"Tags: {', '.join(tag[index] for tag in tags)}\n"
                f"Summary: {_sentence(rng, lang)}\n"
                + ("Translation: true\n" if lang == "en" else "")
                + "\n"
                + _body(rng, lang)
            )
    for slug in ("about", "conditions-of-use", "privacy"):
        files[f"pages/{slug}.fr.md"] = f"Title: {slug}\nLang: fr\n\n{_body(rng, 'fr')}"
        files[f"pages/{slug}.en.md"] = (
            f"Title: {slug}\nLang: en\nTranslation: true\n\n{_body(rng, 'en')}"
        )
    write_site(root, files)


def time_ours(root: Path, rounds: int = 1) -> dict[str, float]:
    """Median of `rounds` measurements of each of our figures."""
    samples = [_time_ours_once(root, n) for n in range(rounds)]
    return {key: statistics.median(sample[key] for sample in samples) for key in samples[0]}


def _time_ours_once(root: Path, round_number: int) -> dict[str, float]:
    project = Project.at(root)
    shutil.rmtree(project.output, ignore_errors=True)
    shutil.rmtree(project.cache, ignore_errors=True)
    started = time.perf_counter()
    build_site(project)
    cold = time.perf_counter() - started

    started = time.perf_counter()
    build_site(project)
    warm = time.perf_counter() - started

    edited = root / "content/news/item-00001.fr.md"
    edited.write_text(
        edited.read_text(encoding="utf-8") + f"\nUn paragraphe ajouté ({round_number}).\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    result = build_site(project, languages=["fr"])
    rebuild = time.perf_counter() - started
    page = project.output / "fr/news/item-00001/index.html"
    assert f"Un paragraphe ajouté ({round_number})." in page.read_text(encoding="utf-8")
    if result.search_thread:
        result.search_thread.join()
    indexed = time.perf_counter() - started
    return {
        "ours_full_s": cold,
        "ours_full_warm_s": warm,
        "ours_rebuild_s": rebuild,
        "ours_rebuild_indexed_s": indexed,
    }


def time_plain_pelican(root: Path, rounds: int = 1) -> float:
    """Median of `rounds` cold runs of plain Pelican."""
    return statistics.median(_time_plain_pelican_once(root) for _ in range(rounds))


def _time_plain_pelican_once(root: Path) -> float:
    """Plain Pelican: default theme, no plugins, the same Markdown settings, cold."""
    settings = root / "plain.py"
    markdown = {
        "extension_configs": {
            "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
            "markdown.extensions.extra": {},
            "markdown.extensions.meta": {},
            "markdown.extensions.toc": {},
        },
        "output_format": "html5",
    }
    settings.write_text(
        "\n".join(
            [
                'PATH = "content"',
                'ARTICLE_PATHS = ["news"]',
                'PAGE_PATHS = ["pages"]',
                'DEFAULT_LANG = "en"',
                'TIMEZONE = "Europe/Brussels"',
                'SITENAME = "plain"',
                "CACHE_CONTENT = False",
                "LOAD_CONTENT_CACHE = False",
                "DEFAULT_PAGINATION = 10",
                r'FILENAME_METADATA = r"(?P<slug>[^.]+)(\.[a-z]{2})?"',
                f"MARKDOWN = {markdown!r}",
            ]
        ),
        encoding="utf-8",
    )
    out = root / "plain-output"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pelican", "-s", str(settings), "-o", str(out), "-q"],
        cwd=root,
        check=True,
    )
    return time.perf_counter() - started


def time_hugo(root: Path) -> float | None:
    """Hugo on the same items: one content folder per language, a minimal layout."""
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    site = root / "hugo"
    shutil.rmtree(site, ignore_errors=True)
    (site / "layouts/_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(
        'baseURL = "http://127.0.0.1/"\ndefaultContentLanguage = "en"\n'
        "defaultContentLanguageInSubdir = true\n"
        "[pagination]\npagerSize = 10\n"
        '[languages.en]\ncontentDir = "content/en"\n[languages.fr]\ncontentDir = "content/fr"\n'
        "[taxonomies]\ncategory = 'categories'\ntag = 'tags'\n",
        encoding="utf-8",
    )
    layout = (
        '<!DOCTYPE html><html lang="{{ .Site.Language.Lang }}"><head><title>{{ .Title }}'
        '</title></head><body>{{ block "main" . }}{{ end }}</body></html>'
    )
    (site / "layouts/_default/baseof.html").write_text(layout, encoding="utf-8")
    (site / "layouts/_default/single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}'
        '{{ range .Translations }}<a href="{{ .Permalink }}">{{ .Lang }}</a>{{ end }}'
        "{{ end }}",
        encoding="utf-8",
    )
    (site / "layouts/_default/list.html").write_text(
        '{{ define "main" }}{{ range .Paginator.Pages }}<a href="{{ .Permalink }}">'
        "{{ .Title }}</a>{{ end }}{{ end }}",
        encoding="utf-8",
    )
    for source in (root / "content/news").glob("*.md"):
        head, _, body = source.read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        slug, lang = source.stem.rsplit(".", 1)
        front = {
            "title": meta["Title"],
            "date": meta["Date"].replace(" ", "T") + ":00",
            "categories": [meta["Category"]],
            "tags": [tag.strip() for tag in meta["Tags"].split(",")],
            "summary": meta["Summary"],
            "slug": slug,
            "translationKey": slug,
        }
        target = site / "content" / lang / "news" / f"{slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(front, ensure_ascii=False) + "\n\n" + body, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([hugo, "--quiet", "-s", str(site)], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="news items per language")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each; medians")
    args = parser.parse_args()

    console = Console()
    root = args.keep or Path(tempfile.mkdtemp(prefix="newsreel-bench-"))
    try:
        generate(root, args.items)
        figures: dict[str, float | int | None] = {"items_per_language": args.items}
        figures.update(time_ours(root, args.rounds))
        figures["pelican_s"] = time_plain_pelican(root, args.rounds)
        figures["hugo_s"] = time_hugo(root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    full_ratio = figures["ours_full_s"] / figures["pelican_s"]
    rebuild_ratio = figures["ours_rebuild_s"] / figures["ours_full_s"]
    figures["full_ratio"] = round(full_ratio, 3)
    figures["rebuild_ratio"] = round(rebuild_ratio, 3)

    table = Table(
        title=f"Site build, {args.items} items per language (2 languages), "
        f"median of {args.rounds} runs"
    )
    table.add_column("build")
    table.add_column("seconds", justify="right")
    table.add_column("x plain Pelican", justify="right")
    rows = [
        ("newsreel, full, cold", figures["ours_full_s"]),
        ("newsreel, full, warm cache", figures["ours_full_warm_s"]),
        ("newsreel, rebuild after one edit (page live)", figures["ours_rebuild_s"]),
        ("  … and its search index refreshed", figures["ours_rebuild_indexed_s"]),
        ("plain Pelican, cold", figures["pelican_s"]),
        ("Hugo", figures["hugo_s"]),
    ]
    for name, seconds in rows:
        if seconds is None:
            table.add_row(name, "not installed", "")
        else:
            table.add_row(name, f"{seconds:.2f}", f"{seconds / figures['pelican_s']:.2f}")
    console.print(table)
    for label, ratio, target in (
        ("our full build / plain Pelican", full_ratio, 1.3),
        ("our one-edit rebuild / our full build", rebuild_ratio, 0.5),
    ):
        verdict = "[green]PASS[/green]" if ratio <= target else "[red]FAIL[/red]"
        console.print(f"{label}: {ratio:.2f} (target <= {target}) {verdict}")
    for key, value in figures.items():
        if isinstance(value, float):
            figures[key] = round(value, 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
