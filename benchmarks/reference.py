"""Reference extractors as whole processes, for side-by-side timing: trafilatura and whole-page get_text.

python -m benchmarks.reference trafilatura|gettext FOLDER > predictions.jsonl
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path


def pages(folder: Path):  # type: ignore[no-untyped-def]
    for path in sorted(folder.iterdir()):
        if path.name.endswith((".html", ".html.gz")):
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            yield path.name.removesuffix(".gz").removesuffix(".html"), data


def main() -> None:
    kind, folder = sys.argv[1], Path(sys.argv[2])
    out = sys.stdout
    if kind == "trafilatura":
        import trafilatura

        for pid, data in pages(folder):
            doc = trafilatura.bare_extraction(
                data, include_comments=False, include_tables=True, with_metadata=True
            )
            meta = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
            out.write(
                json.dumps(
                    {
                        "id": pid,
                        "body": meta.get("text") or "",
                        "title": meta.get("title"),
                        "authors": [meta["author"]] if meta.get("author") else [],
                        "published": meta.get("date"),
                    }
                )
                + "\n"
            )
    else:
        from bs4 import BeautifulSoup
        from w3lib.encoding import html_to_unicode

        for pid, data in pages(folder):
            soup = BeautifulSoup(html_to_unicode(None, data)[1], "lxml")
            for tag in soup(["script", "style", "noscript"]):
                tag.decompose()
            out.write(json.dumps({"id": pid, "body": soup.get_text("\n", strip=True)}) + "\n")


if __name__ == "__main__":
    main()
