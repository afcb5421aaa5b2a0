"""`newsdesk serve`: the read-only web pages and JSON API."""

from __future__ import annotations

import click
from waitress.server import create_server

from cli.app import Context
from web.app import create_app

SERVER_THREADS = 4


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free port."
)
@click.option(
    "--query-timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds a page's queries may take.",
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, query_timeout: float) -> None:
    """Read-only web pages (search, articles, runs) and a JSON API (/api/articles, /api/articles/ID,
    /api/runs) over the database, until Ctrl-C.

    Example: newsdesk serve --port 8080, then open http://127.0.0.1:8080/
    """
    engine = obj.engine()
    server = create_server(create_app(engine, query_timeout), host=host, port=port, threads=SERVER_THREADS)
    address = f"http://{host}:{getattr(server, 'effective_port', port)}/"
    click.echo(f"serving {engine.url.render_as_string()} read-only; Ctrl-C stops", err=True)
    click.echo(address)  # first line of stdout: where it listens (useful with --port 0)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        engine.dispose()
