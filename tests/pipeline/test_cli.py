"""The real ``newsdedup`` command, end to end, on the seeds."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from pipeline.cli import main
from tests.conftest import PG_URL, ROOT, SEEDS, run_cli, store_articles
from tests.corpus import Corpus

NOISE = [
    "Articles liés", "Antworten (0 )", "Kurze Werbeeinblendung", "hanfland", "Lesen Sie auch",
    "Bleiben Sie informiert", "Folgen Sie News.de", "etd-related", "Liebe Leser", "Kommentar-Bereich",
    "Schreibe einen Kommentar", "Zurück zum Anfang", "Bild von", "Foto:", "Quelle/Referenz",
    "GESCHRIEBEN VON", "Erstellt von", "15.08.2022", "Epoch Times13", "sba/loc", "(afp/red)",
    "Epoch TV", "Ähnliche Artikel", "E-Mail-Adresse",
]
TITLES = {
    "000": "Bedingungslose Unterstützung für Russland: Kim Jong Un erwartet Moskaus Sieg in der Ukraine",
    "001": "Kim Jong-un sichert Russland volle Unterstützung im Ukraine-Krieg zu",
    "002": "Kim Jong Un: „Bedingungslose“ Unterstützung im Ukraine-Krieg",
    "003": "Nordkorea entsendet Bürger zur Unterstützung der russischen Armee in der Ukraine",
    "004": "Wladimir Putin: Gefährliches Bündnis! Kim Jong-un und Russland machen gemeinsame Sache",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'news.db'}"
    result = run_cli("ingest", "seeds/", "--db", db, check=True)
    assert "5 documents seen: 5 new articles, 0 duplicates, 0 already ingested, 0 failed" in result.stdout
    exported = run_cli("export", "--db", db, check=True).stdout
    return db, [json.loads(line) for line in exported.splitlines()]


def in_process(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """``newsdedup ARGS`` run in this process (as :func:`run_cli` runs it in a subprocess)."""
    result = CliRunner().invoke(main, list(args))
    if check and result.exit_code != 0:
        raise AssertionError(f"newsdedup {' '.join(args)} exited {result.exit_code}:\n{result.stderr}")
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def by_seed(records: list[dict]) -> dict[str, dict]:
    return {Path(r["sources"][0]["uri"]).name[:3]: r for r in records}


def test_five_clean_articles_from_the_seeds(seeded: tuple[str, list[dict]]) -> None:
    _, records = seeded
    articles = by_seed(records)
    assert sorted(articles) == sorted(TITLES)
    for key, record in articles.items():
        assert record["title"] == TITLES[key]
        assert not record["text"].startswith(record["title"][:30])
        for phrase in NOISE:
            assert phrase not in record["text"], (key, phrase)
        assert record["language"] == "de"


def test_teaser_is_not_a_second_copy(seeded: tuple[str, list[dict]]) -> None:
    text = by_seed(seeded[1])["000"]["text"]
    assert text.count("Der Führer Nordkoreas, Kim Jong Un") == 1
    assert "[…]" not in text


def test_metadata_is_extracted(seeded: tuple[str, list[dict]]) -> None:
    a = by_seed(seeded[1])
    assert a["004"]["authors"] == ["Sarah Baumann-Rüster"]
    assert a["000"]["authors"] == ["Anne Herrmann"]
    assert a["004"]["published"] == "2022-08-15T10:08:00"
    assert a["002"]["published"] == "2025-07-13T00:00:00"
    assert "sba/loc/news.de/dpa" in a["004"]["credits"]
    assert "afp/red" in a["002"]["credits"]
    assert a["002"]["outlet"] == "Epoch Times"


def test_export_contract(seeded: tuple[str, list[dict]]) -> None:
    for record in seeded[1]:
        assert {"id", "title", "text", "authors", "published", "language", "sources"} <= set(record)
        (source,) = record["sources"]
        assert {"uri", "fetched_at", "relation", "similarity"} <= set(source)
        assert source["uri"] == (SEEDS / Path(source["uri"]).name).absolute().as_uri()
        assert source["relation"] == "original"


def test_export_csv_and_to_file(seeded: tuple[str, list[dict]], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    run_cli("export", "--db", seeded[0], "--format", "csv", "-o", str(out), check=True)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 5 and json.loads(rows[0]["sources"])[0]["uri"].startswith("file:///")


def test_show_search_stats(seeded: tuple[str, list[dict]]) -> None:
    db, records = seeded
    target = by_seed(records)["002"]
    shown = json.loads(run_cli("show", target["id"][:8], "--db", db, "--json", check=True).stdout)
    assert shown["id"] == target["id"] and shown["sources"][0]["relation"] == "original"
    assert target["title"] in run_cli("show", target["id"], "--db", db, check=True).stdout
    found = json.loads(run_cli("search", "Lawrow Kursk", "--db", db, "--json", check=True).stdout)
    assert [r["id"] for r in found] == [target["id"]]
    assert "no articles found" in run_cli("search", "Zebrastreifen", "--db", db, check=True).stdout
    stats = json.loads(run_cli("stats", "--db", db, "--json", check=True).stdout)
    assert stats["articles"] == 5 and stats["documents"] == 5


def test_hostile_queries_and_numbers_get_one_line_and_exit_2(seeded: tuple[str, list[dict]]) -> None:
    db, records = seeded
    cli = CliRunner()

    def search(*args: str) -> tuple[int, str, str]:
        result = cli.invoke(main, ["search", "--db", db, "--json", *args])
        return result.exit_code, result.stdout, result.stderr

    lawrow = [r["id"] for r in records if "Lawrow" in r["text"]]
    code, out, _ = search("-Zebrastreifen", "Lawrow")  # a query may start with a negated word
    assert code == 0 and sorted(h["id"] for h in json.loads(out)) == sorted(lawrow)
    assert search("--", "-Zebrastreifen Lawrow")[:2] == (code, out)
    huge = "99999999999999999999"
    for args, message in [
        (("Kim", "--limit", huge), "is not in the range 1<=x<=2147483647"),
        (("Kim", "--min-sources", huge), "is not in the range 1<=x<=2147483647"),
        (("(" * 249 + "K" + ")" * 249,), "error: brackets are nested more than 32 deep"),
        (("--limt", "5", "Kim"), "error: '--limt' is neither an option of search"),
        (("-Kim",), "error: a query needs a word that is not negated"),
    ]:
        code, _, err = search(*args)
        assert code == 2 and message in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
    for args in (["clusters", "--min-sources", huge], ["show", "ab\udcff"]):
        result = cli.invoke(main, [*args, "--db", db])
        assert result.exit_code == 2 and "Traceback" not in result.stderr, result.stderr


def test_stored_terminal_escapes_are_never_printed(tmp_path: Path) -> None:
    """Rows stored before control characters were stripped on the way in are printed safely."""
    from pipeline.store.database import Database
    from pipeline.store.models import Article

    url = f"sqlite:///{tmp_path / 'escapes.db'}"
    evil = "\x1b[2J\x1b]0;owned\x07\x9b6n\r\u202e"
    db = Database(url)
    with db.session() as s:
        s.add(Article(id="e5c", title=f"Harbour{evil} opens", text=f"The harbour{evil} opens today.",
                      authors=[f"Anne{evil}"], credits=[f"dpa{evil}"], outlet=f"Hafen{evil}blatt",
                      language="de", canonical_uri="file:///e5c", text_hash="he5c", word_count=4, signature=b"",
                      signature_params="p"))
        s.commit()
    db.dispose()
    cli = CliRunner()
    for command in (["show", "e5c"], ["search", "harbour"], ["clusters", "--min-sources", "1"], ["stats"]):
        out = cli.invoke(main, [*command, "--db", url])
        assert out.exit_code == 0, (command, out.stderr)
        assert not any(c in out.output for c in "\x1b\x9b\x07\r\u202e"), (command, out.output)
    shown = cli.invoke(main, ["show", "e5c", "--db", url]).output
    assert "Harbour opens" in shown and "The harbour opens today." in shown and "Anne" in shown
    as_json = cli.invoke(main, ["show", "e5c", "--db", url, "--json"]).output
    assert not any(c in as_json for c in "\x1b\x9b\x07\r\u202e")
    assert json.loads(as_json)["title"] == f"Harbour{evil} opens"  # --json gives the stored text, escaped


def test_clean_prints_what_ingest_keeps_without_a_database(seeded: tuple[str, list[dict]], tmp_path: Path) -> None:
    result = run_cli("clean", "seeds/", check=True, cwd=ROOT)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5
    stored = {r["sources"][0]["uri"]: r for r in seeded[1]}
    for line in lines:
        assert set(line) >= {"uri", "title", "text", "authors", "published", "language"}
        assert line["text"] == stored[line["uri"]]["text"]
    assert not list(tmp_path.glob("*.db"))
    explained = run_cli("clean", "--explain", "seeds/003_5602f176bb30daa9.txt", check=True).stdout
    assert "- before-title     Ukraine" in explained


def test_fatal_errors_exit_non_zero_with_a_message(tmp_path: Path) -> None:
    bad = run_cli("ingest", "seeds/", "--db", "nosuchdriver://x")
    assert bad.returncode == 2 and "bad database URL" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_cli("ingest", str(tmp_path / "nope"), "--db", f"sqlite:///{tmp_path}/x.db")
    assert missing.returncode == 2 and "no readable input" in missing.stderr
    assert "no such file" in missing.stderr


def test_help_explains(tmp_path: Path) -> None:
    out = run_cli("ingest", "--help", check=True).stdout
    assert "--db URL" in out and "Exit status" in out


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fingerprint(path: Path) -> tuple[str, str, list[str]]:
    """A SQLite file's sha256, its journal mode (read without writing) and the files beside it."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest(), mode, sorted(p.name for p in path.parent.iterdir())


def serve_once(url: str) -> None:
    """``newsdedup serve`` until it has answered one API request; then a request for a host it was not
    told about gets 400, and one for the host given by --allow-host is answered."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--db", url, "--port", str(port),
                             "--allow-host", "news.internal"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def status(host: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/stats", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - our own server
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=2).close()  # noqa: S310
                assert (status("evil.example"), status(f"news.internal:{port}")) == (400, 200)
                return
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "newsdedup serve did not start"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_read_commands_never_change_the_database(seeded: tuple[str, list[dict]], tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with sqlite3.connect(sqlite_path(seeded[0])) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    source.close()
    copy.close()
    before = fingerprint(path)
    assert before[1:] == ("delete", ["news.db"])
    db = ["--db", f"sqlite:///{path}"]
    story = seeded[1][0]["id"]
    for command in (["stats"], ["search", "Kim"], ["show", story[:8]], ["show", story, "--json"],
                    ["clusters", "--min-sources", "1"], ["export"], ["db", "revision"], ["schedule", "list"]):
        run_cli(*command, *db, check=True)
        assert fingerprint(path) == before, command
    serve_once(db[1])
    assert fingerprint(path) == before, "serve"


def test_a_read_command_reads_a_wal_database_with_its_wal_file_as_it_is(seeded: tuple[str, list[dict]],
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with sqlite3.connect(sqlite_path(seeded[0])) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    writer = sqlite3.connect(path)  # another process's open connection: its commits stay in news.db-wal
    try:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO failures (uri, stage, reason, message, at) "
                       "VALUES ('file:///x', 'decode', 'binary', 'not text', '2026-01-01 00:00:00')")
        writer.commit()
        before = fingerprint(path)
        assert before[1:] == ("wal", ["news.db", "news.db-shm", "news.db-wal"])
        stats = json.loads(run_cli("stats", "--json", "--db", f"sqlite:///{path}", check=True).stdout)
        assert stats["failures"] == 1  # read from the -wal file
        assert fingerprint(path) == before
    finally:
        writer.close()


READ_COMMANDS = (["stats"], ["search", "Kim"], ["show", "abc"], ["clusters"], ["export"], ["db", "revision"],
                 ["schedule", "list"])
UNUSABLE = {  # how the database is unusable: its URL, and what the message says
    "no such PostgreSQL database": (lambda tmp: make_url(PG_URL).set(database="newsdedup_no_such_db")
                                    .render_as_string(hide_password=False), "does not exist"),
    "nothing listening": (lambda tmp: f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x", "refused"),
    "no driver": (lambda tmp: "mysql://x/y", "its driver is not installed"),
    "unknown kind of URL": (lambda tmp: "foo://", "bad database URL"),
    "a file that is no database": (lambda tmp: f"sqlite:///{tmp / 'x.db'}", "file is not a database"),
    "no such SQLite file": (lambda tmp: f"sqlite:///{tmp / 'missing.db'}", "no database at "),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_read_commands_report_an_unusable_database_in_one_line(case: str, tmp_path: Path,
                                                                request: pytest.FixtureRequest) -> None:
    if case == "no such PostgreSQL database":
        request.getfixturevalue("pg_server")  # else: skipped, saying why
    (tmp_path / "x.db").write_bytes(random.Random(1).randbytes(4096))
    make, message = UNUSABLE[case]
    url = make(tmp_path)
    with socket.socket() as busy:  # should serve ever get past the database, it cannot start
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        for command in (*READ_COMMANDS, ["serve", "--port", str(busy.getsockname()[1])]):
            result = CliRunner().invoke(main, [*command, "--db", url])
            assert result.exit_code == 2, (command, result.output, result.exception)
            lines = result.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], (command, lines)
            assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]  # nothing was created


def test_a_read_only_sqlite_file_is_read_or_refused_in_one_line(seeded: tuple[str, list[dict]],
                                                                tmp_path: Path) -> None:
    as_root = os.geteuid() == 0
    if as_root and shutil.which("setpriv") is None:
        pytest.skip("as root, needs setpriv (util-linux) to run newsdedup without the right to ignore file modes")
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    for name, mode in (("delete.db", "DELETE"), ("wal.db", "WAL")):
        with sqlite3.connect(sqlite_path(seeded[0])) as source, sqlite3.connect(shelf / name) as copy:
            source.backup(copy)
            copy.execute(f"PRAGMA journal_mode={mode}")
        source.close()
        copy.close()
        (shelf / name).chmod(0o444)
    shelf.chmod(0o555)
    # root ignores file modes unless it gives up CAP_DAC_OVERRIDE (and CAP_DAC_READ_SEARCH)
    prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if as_root else []
    try:
        def stats(name: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*prefix, sys.executable, "-m", "pipeline.cli", "stats", "--db",
                                   f"sqlite:///{shelf / name}"], capture_output=True, text=True, cwd=ROOT, timeout=60)

        read = stats("delete.db")
        assert read.returncode == 0 and read.stdout.startswith("5 articles from 5 documents"), read.stderr
        refused = stats("wal.db")  # SQLite cannot make its -shm file here
        lines = refused.stderr.splitlines()
        assert refused.returncode == 2 and len(lines) == 1 and "WAL mode" in lines[0], refused.stderr
        assert sorted(p.name for p in shelf.iterdir()) == ["delete.db", "wal.db"]
    finally:
        shelf.chmod(0o755)


def test_show_lists_the_articles_an_ambiguous_prefix_matches(db_url: str) -> None:
    store_articles(db_url, {"abc1": "Harbour opens", "abc12": "Harbour closes", "abd4": "Dock strike",
                            **{f"f{i}": f"Ferry {i}" for i in range(7)}})
    db = ["--db", db_url]
    ambiguous = run_cli("show", "ab", *db)
    assert ambiguous.returncode == 2 and "Traceback" not in ambiguous.stderr
    assert ambiguous.stderr.splitlines() == [
        "error: the id prefix 'ab' is ambiguous: 3 articles start with it (give more of the id)",
        "  abc1  Harbour opens", "  abc12  Harbour closes", "  abd4  Dock strike"]
    many = run_cli("show", "f", *db).stderr.splitlines()
    assert "more than 5 articles" in many[0] and many[1:] == [f"  f{i}  Ferry {i}" for i in range(5)] + ["  …"]
    assert run_cli("show", "abc1", "--json", *db, check=True).stdout.count('"title": "Harbour opens"') == 1  # exact id
    assert '"id": "abd4"' in run_cli("show", "abd", "--json", *db, check=True).stdout  # a unique prefix
    missing = run_cli("show", "zz", *db)
    assert missing.returncode == 2 and missing.stderr == "error: no article with id 'zz' (see `newsdedup search`)\n"


def test_serve_on_a_busy_port_says_so_before_serving(seeded: tuple[str, list[dict]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--db", seeded[0], "--port", str(port))
    assert result.returncode == 2
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{port}: address already in use\n"
    assert result.stdout == ""


@pytest.mark.slow
def test_ctrl_c_then_rerun_ends_complete(tmp_path: Path) -> None:
    rng = random.Random(7)
    vocab = [f"wort{i}" for i in range(3000)]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    n_docs = 300
    for i in range(n_docs):
        title = f"Meldung Nummer {i} über den Stadtrat"
        paras = [" ".join(rng.choices(vocab, k=40)) + "." for _ in range(4)]
        (inbox / f"doc{i:04d}.txt").write_text(title + "\n" + "\n".join(paras), encoding="utf-8")
    db_path = tmp_path / "news.db"
    env = {"NEWSDEDUP_STORE_BATCH": "10"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", str(inbox), "--db",
                             f"sqlite:///{db_path}", "--no-progress"], cwd=ROOT,
                            env={**__import__("os").environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db_path.exists():
            try:
                with sqlite3.connect(db_path) as conn:
                    stored = conn.execute("select count(*) from provenance").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 20:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in out
    with sqlite3.connect(db_path) as conn:
        partial = conn.execute("select count(*) from provenance").fetchone()[0]
        assert 0 < partial < n_docs
        assert conn.execute("select status from runs").fetchone()[0] == "interrupted"

    run_cli("ingest", str(inbox), "--db", f"sqlite:///{db_path}", check=True)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from provenance").fetchone()[0] == n_docs
        assert conn.execute("select count(distinct uri) from provenance").fetchone()[0] == n_docs
        assert conn.execute("select count(*) from articles").fetchone()[0] == n_docs


def test_query_commands_with_filters_and_formats(corpus: Corpus, tmp_path: Path) -> None:
    db = ["--db", corpus.url]
    cli = in_process  # the commands' code as the console script runs it, without a process each
    found = json.loads(cli("search", "Schoigu", "--json", *db, check=True).stdout)
    assert found and all("⟦" in h["snippet"] for h in found)
    assert json.loads(cli("search", "Kim", "--language", "en", "--json", *db, check=True).stdout) == []
    text = cli("search", "Kim", "--min-sources", "3", *db, check=True).stdout
    assert text.count("3 sources · first seen") == 2
    bad = cli("search", '"Kim', *db)
    assert bad.returncode == 2 and bad.stderr.startswith("error: the quote before") and "Traceback" not in bad.stderr
    story = found[0]["id"]
    shown = cli("show", story, *db, check=True).stdout
    assert "sources, oldest first:" in shown and "original" in shown
    assert "2 articles" not in cli("stats", *db, check=True).stdout
    stats = cli("stats", *db, check=True).stdout
    assert stats.startswith("10 articles from 16 documents") and "(local files) 10" in stats
    assert len(json.loads(cli("clusters", "--min-sources", "3", "--json", *db, check=True).stdout)) == 2
    assert len(json.loads(cli("clusters", "--min-sources", "1", "--json", *db, check=True).stdout)) == 10
    assert len(json.loads(cli("clusters", "--json", *db, check=True).stdout)) == 4  # default: 2 or more
    hafenblatt = corpus.world.hafenblatt.url.split("//")[1]
    for option, value in (("--domain", hafenblatt), ("--outlet", "hafenblatt")):  # (the outlet: its source's name)
        assert len(json.loads(cli("clusters", option, value, "--json", *db, check=True).stdout)) == 3

    jsonl = [json.loads(line) for line in cli("export", "--language", "de", "--min-sources", "2", *db,
                                                  check=True).stdout.splitlines()]
    assert len(jsonl) == 4 and all(len(r["sources"]) >= 2 for r in jsonl)
    cli("export", "--format", "parquet", "-o", str(tmp_path / "a.parquet"), *db, check=True)
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == 10 and sum(len(s) for s in table.column("sources").to_pylist()) == 16
    assert str(table.schema.field("first_seen").type).startswith("timestamp")
    assert cli("export", "--format", "parquet", *db).returncode == 2  # binary: needs -o
    missing = cli("search", "Kim", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 2 and "no database at" in missing.stderr


def test_clean_refuses_a_link_out_of_the_folder_unless_told(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "page.txt"
    outside.parent.mkdir()
    shutil.copy(next(SEEDS.glob("001_*.txt")), outside)
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(outside, folder / "link.txt")
    refused = CliRunner().invoke(main, ["clean", str(folder)])
    assert refused.exit_code == 0, refused.output
    (line,) = [json.loads(x) for x in refused.output.splitlines()]
    assert line["error"] == "outside-input" and "--follow-symlinks" in line["message"]
    followed = CliRunner().invoke(main, ["clean", "--follow-symlinks", str(folder)])
    (line,) = [json.loads(x) for x in followed.output.splitlines()]
    assert line["title"] == TITLES["001"]
