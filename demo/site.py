"""The bundled demo site: a small offline news site ("The Harbour Gazette") with realistic chrome.

24 articles in three sections, a home page and section listings (links carry tracking parameters), an
RSS feed, a Google News sitemap and robots.txt. Every article page has navigation, a cookie banner, an
in-body "Read more" box, and after the article a "Related" and a "Latest news" headline list; one article
is also served under an AMP URL whose rel=canonical points to the original.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from demo.server import Page, Site

SECTIONS = {"world": "World", "business": "Business", "science": "Science"}
AUTHORS = [
    "Maya Lindqvist",
    "Tomás Herrera",
    "Priya Natarajan",
    "Jonah Okafor",
    "Elena Petrova",
    "Sam Whitfield",
]
STORIES = [
    ("world", "Coastal towns vote to share flood defences", "the coastal councils", "Port Alder"),
    ("world", "Ferry strike ends after nine days of talks", "the ferry workers' union", "Kessing"),
    ("world", "Border crossing reopens to freight after repairs", "the transport ministry", "Valmora"),
    ("world", "Drought prompts water limits across the northern valleys", "the water authority", "Ostrand"),
    ("world", "Election monitors report a calm polling day", "the observer mission", "Larch Bay"),
    ("world", "Wildfire crews contain the Ridgeback blaze", "the regional fire service", "Ridgeback"),
    ("world", "Museum returns carved panels to island community", "the national museum", "Isle Varra"),
    ("world", "Rail link between twin capitals gets final approval", "the joint rail board", "Mertz"),
    ("business", "Harbour port posts record container volumes", "the port authority", "Port Alder"),
    ("business", "Local bakery chain expands to twelve new sites", "Crumb & Co", "Kessing"),
    ("business", "Central bank holds rates as inflation cools", "the central bank", "Valmora"),
    ("business", "Shipyard wins contract for electric ferries", "Norrvik Yards", "Norrvik"),
    ("business", "Co-operative grocers report a strong winter", "the grocers' co-operative", "Ostrand"),
    ("business", "Start-up raises funds for tidal energy buoys", "TideCell", "Larch Bay"),
    ("business", "Fishing quotas revised after stock survey", "the fisheries council", "Isle Varra"),
    ("business", "Airport plans a second terminal by 2030", "the airport operator", "Mertz"),
    ("science", "Researchers map the seabed off the northern cape", "the marine institute", "Cape Hollis"),
    ("science", "Rare orchid found in restored wetland", "the botanical society", "Fenmarch"),
    ("science", "New telescope captures its first light", "the observatory", "Mount Eyre"),
    (
        "science",
        "Study links sea-grass meadows to cleaner bays",
        "the university's ecology group",
        "Port Alder",
    ),
    ("science", "Glacier retreat measured with drones", "the polar survey", "Ostrand"),
    ("science", "Students build a weather station network", "the technical college", "Kessing"),
    ("science", "Seal colony numbers recover on outer islands", "the wildlife trust", "Isle Varra"),
    ("science", "Battery recycling pilot recovers most lithium", "the materials lab", "Valmora"),
]
OPENERS = [
    "{actor} said on {day} that the plan for {place} would go ahead after months of debate.",
    "Officials in {place} confirmed the news on {day}, ending weeks of uncertainty for residents.",
    "The decision, announced by {actor} on {day}, was welcomed by most people in {place}.",
    "In {place}, {actor} spent {day} explaining what happens next and who pays for it.",
    "News from {place} on {day}: {actor} has settled a question that divided the area for years.",
    "{actor} put the final figures for {place} on the table on {day}, after a long wait.",
]
SENTENCES = [
    "Local leaders said the change had been discussed at public meetings since the spring.",
    "Critics argued that the timetable was too ambitious and that costs could rise.",
    "A spokesperson said further details would be published before the end of the month.",
    "Residents who attended an open evening asked mostly about traffic and noise.",
    "The project is expected to create work for several hundred people over three years.",
    "Independent experts described the figures as encouraging but cautioned against early conclusions.",
    "Funding comes partly from regional budgets and partly from private investors.",
    "Similar schemes elsewhere have taken longer than planned, according to a recent review.",
    "Campaigners said they would keep watching closely how the promises are kept.",
    "The first phase is due to begin in January, weather permitting.",
    "Neighbouring districts have asked to join if the trial proves successful.",
    "Figures released alongside the announcement showed a steady rise over five years.",
    "Opposition councillors called for a full public inquiry into the process.",
    "Business owners said they hoped the move would bring more visitors in the summer months.",
    "Scientists involved in the work said the data would be shared openly with other teams.",
    "Some details remain confidential while negotiations with suppliers continue.",
]
QUOTES = [
    '"This is a good day for {place}, and it has been a long time coming," said one resident.',
    '"We listened carefully, and the plan is better for it," a representative of {actor} said.',
    '"Nobody expected it to be easy, but the work is worth doing," said a local organiser.',
    '"I will believe it when I see the first spade in the ground," one shopkeeper in {place} said.',
    '"Our members asked for exactly this," a spokesperson for {actor} told reporters.',
    '"It is a start, and we will hold them to every line of it," said a neighbourhood campaigner.',
]


@dataclass
class Article:
    index: int
    section: str
    slug: str
    title: str
    actor: str
    place: str
    author: str
    published: datetime
    paragraphs: list[str]

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.published:%Y/%m/%d}/{self.slug}.html"


def slugify(title: str) -> str:
    return "-".join("".join(c for c in w.lower() if c.isalnum()) for w in title.split() if w.strip("-"))


def build_articles(now: datetime) -> list[Article]:
    rng = random.Random(42)  # the same site every time
    articles = []
    for i, (section, title, actor, place) in enumerate(STORIES):
        published = (now - timedelta(hours=5 * i + 1)).replace(minute=0, second=0, microsecond=0)
        day = published.strftime("%A")
        fill = {"actor": actor, "place": place, "day": day}
        opener = OPENERS[i % len(OPENERS)].format(**fill)
        paragraphs = [opener[0].upper() + opener[1:]]
        # Few shared sentences per story: different stories must not read as copies of each other.
        paragraphs.extend(rng.sample(SENTENCES, 3))
        paragraphs.insert(2, QUOTES[i // len(OPENERS) % len(QUOTES)].format(**fill))
        articles.append(
            Article(
                i,
                section,
                slugify(title),
                title,
                actor,
                place,
                AUTHORS[i % len(AUTHORS)],
                published,
                paragraphs,
            )
        )
    return articles


def _chrome(title: str, body: str, canonical: str, head_extra: str = "") -> bytes:
    nav = "".join(f'<li><a href="/{s}/">{n}</a></li>' for s, n in SECTIONS.items())
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>{html.escape(title)} | The Harbour Gazette</title>
<link rel="canonical" href="{{{{BASE}}}}{canonical}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:Georgia,serif;max-width:60em;margin:auto}} .cookie-banner{{background:#eee}}</style>
<script>window.dataLayer = window.dataLayer || []; function track(e) {{ dataLayer.push(e); }}</script>
{head_extra}</head>
<body>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience on our site.
By continuing you accept our cookie policy.</p><button>Accept all</button></div>
<header class="site-header"><a class="logo" href="/">The Harbour Gazette</a>
<nav class="main-nav"><ul><li><a href="/">Home</a></li>{nav}</ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>
<main id="main">{body}</main>
<footer class="site-footer"><p>© 2026 The Harbour Gazette. All rights reserved.</p>
<ul><li><a href="/about.html">About us</a></li><li><a href="/contact.html">Contact</a></li>
<li><a href="/privacy.html">Privacy</a></li></ul></footer>
</body></html>""".encode()


def article_page(article: Article, all_articles: list[Article]) -> bytes:
    others = [a for a in all_articles if a.index != article.index]
    related = [a for a in others if a.section == article.section][:4]
    latest = sorted(others, key=lambda a: a.published, reverse=True)[:5]
    popular = others[-5:]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "author": [{"@type": "Person", "name": article.author}],
        "inLanguage": "en-GB",
    }
    paras = [f"<p>{html.escape(p)}</p>" for p in article.paragraphs]
    read_more = related[0] if related else latest[0]
    paras.insert(
        3,
        f'<div class="inline-related"><strong>Read more:</strong> '
        f'<a href="{read_more.path}">{html.escape(read_more.title)}</a></div>',
    )

    def links(items: list[Article]) -> str:
        return "".join(
            f'<li><a href="{a.path}?utm_source=related&amp;utm_medium=web">{html.escape(a.title)}</a></li>'
            for a in items
        )

    body = f"""
<nav class="breadcrumb"><a href="/">Home</a> › <a href="/{article.section}/">{SECTIONS[article.section]}</a></nav>
<article class="story">
  <h1 class="headline">{html.escape(article.title)}</h1>
  <div class="byline">By <a rel="author" href="/authors/{slugify(article.author)}.html">{article.author}</a>
    <time datetime="{article.published:%Y-%m-%dT%H:%M:%SZ}">{article.published:%d %B %Y, %H:%M}</time></div>
  <div class="share-tools"><a href="#">Share on social media</a> <a href="#">Email</a></div>
  <div class="article-body">
    {"".join(paras)}
  </div>
  <section class="related-stories"><h2>Related</h2><ul>{links(related)}</ul></section>
  <section class="latest-news"><h2>Latest news</h2><ul>{links(latest)}</ul></section>
</article>
<aside class="sidebar"><h3>Most popular</h3><ol>{links(popular)}</ol>
<div class="newsletter-signup"><p>Get the Gazette in your inbox every morning.</p></div></aside>"""
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    return _chrome(article.title, body, article.path, head)


def listing_page(title: str, items: list[Article], prefix: str = "") -> bytes:
    """Teasers linking to each article (with tracking parameters); `prefix` links the first one's AMP copy."""
    entries = "".join(
        f'<li class="teaser"><h2><a href="{prefix if k == 0 else ""}{a.path}?utm_source=homepage&amp;'
        f'utm_campaign=front">{html.escape(a.title)}</a></h2><p>{html.escape(a.paragraphs[0])}</p></li>'
        for k, a in enumerate(items)
    )
    return _chrome(title, f'<h1>{html.escape(title)}</h1><ul class="teasers">{entries}</ul>', "/")


def rss(articles: list[Article]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{{{{BASE}}}}{a.path}</link>"
        f"<guid>{{{{BASE}}}}{a.path}</guid><pubDate>{a.published:%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        for a in articles
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>The Harbour Gazette'
        f"</title><link>{{{{BASE}}}}/</link><description>Latest news</description>{items}</channel></rss>"
    ).encode()


def news_sitemap(articles: list[Article]) -> bytes:
    urls = "".join(
        f"<url><loc>{{{{BASE}}}}{a.path}</loc><lastmod>{a.published:%Y-%m-%dT%H:%M:%SZ}</lastmod>"
        f"<news:news><news:publication><news:name>The Harbour Gazette</news:name><news:language>en"
        f"</news:language></news:publication><news:publication_date>{a.published:%Y-%m-%dT%H:%M:%SZ}"
        f"</news:publication_date><news:title>{html.escape(a.title)}</news:title></news:news></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()


def build_site(now: datetime | None = None) -> Site:
    articles = build_articles(now or datetime.now(UTC).replace(tzinfo=None))
    site: Site = {a.path: Page(article_page(a, articles)) for a in articles}
    # The same story under an AMP URL: rel=canonical names the original.
    amp = articles[0]
    site["/amp" + amp.path] = Page(article_page(amp, articles))
    newest = sorted(articles, key=lambda a: a.published, reverse=True)
    site["/"] = Page(listing_page("Today's news", [amp] + newest[:12]))
    site["/world/"] = Page(listing_page("World", [amp] + [a for a in newest if a.section == "world"], "/amp"))
    site["/index.html"] = site["/"]
    for section, name in SECTIONS.items():
        if section == "world":
            continue
        site[f"/{section}/"] = Page(listing_page(name, [a for a in newest if a.section == section]))
    site["/feed.xml"] = Page(rss(newest[:12]), "application/rss+xml; charset=utf-8")
    site["/news-sitemap.xml"] = Page(news_sitemap(newest), "application/xml; charset=utf-8")
    site.update(static_pages())
    site["/robots.txt"] = Page(
        b"User-agent: *\nDisallow: /private/\nSitemap: {{BASE}}/news-sitemap.xml\n",
        "text/plain; charset=utf-8",
    )
    return site


def demo_sources(base_url: str) -> str:
    """sources.toml text for the demo site."""
    return f"""[defaults]
schedule = "every 15m"
max_pages = 100

[[source]]
name = "harbour-gazette"
feeds = ["{base_url}/feed.xml"]
sitemaps = ["{base_url}/news-sitemap.xml"]
start_urls = ["{base_url}/"]
allow = ['^{base_url.replace(".", "[.]")}/(?:amp/)?(?:world|business|science)/\\d{{4}}/\\d{{2}}/\\d{{2}}/']
follow_depth = 2
"""


def static_pages() -> Site:
    pages = {"about": "About us", "contact": "Contact", "privacy": "Privacy"}
    return {
        f"/{slug}.html": Page(
            _chrome(
                title,
                f"<h1>{title}</h1><p>The Harbour Gazette is a demo site bundled with newsdesk.</p>",
                f"/{slug}.html",
            )
        )
        for slug, title in pages.items()
    }
