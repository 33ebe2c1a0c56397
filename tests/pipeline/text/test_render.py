"""The renderer of an HTML page's visible text (`clean --explain` on HTML; the benchmarks' pasted pages)."""

from __future__ import annotations

from pipeline.text.render import render_text


def test_visible_blocks_one_per_line() -> None:
    html = """<html><head><title>T</title><style>p{}</style><script>var x=1;</script></head><body>
      <nav><ul><li><a href="/">Home</a></li><li>World</li></ul></nav>
      <h1>Big   news</h1><p>First <b>bold</b> paragraph.<br>Second line.</p>
      <div hidden>secret</div><div style="display: none">gone</div><noscript>enable js</noscript>
      <table><tr><td>a</td><td>b</td></tr></table><pre>  keep   spaces</pre></body></html>"""
    text = render_text(html)
    assert text.splitlines() == ["Home", "World", "", "Big news", "", "First bold paragraph.", "Second line.",
                                 "", "a\tb", "", "keep   spaces"]
