// The report document (document.hpp): each block's Markdown and HTML, and the escaping of text that would
// otherwise read as markup.
#include <gtest/gtest.h>

#include "blobflow/reports/document.hpp"

namespace blobflow::reports {
namespace {

Document sample() {
  Document d;
  d.title = "A <study>";
  d.add(Heading{1, "A <study>", ""});
  d.add(Heading{2, "Runs & fits", "runs"});
  d.add(Paragraph{{text("see "), link("rates.csv", "rates.csv"), text(" and "), code("x_i"), text("; "),
                   emphasis("no figure")}});
  d.add(TableBlock{{"dt", "|e - ref|", "status"}, {{"0.01", "1e-3", "used"}}, {Align::right, Align::right, Align::left}});
  d.add(FigureBlock{"Figure f: w2 < 1", "figures/f.png", "figures/f.svg", "figures/f.dat", "figures/f.gp"});
  d.add(BulletList{{{text("one")}, {text("two")}}});
  d.add(Preformatted{"a = \"<b>\"\n", "toml"});
  return d;
}

TEST(Document, MarkdownHasEachBlockFollowedByABlankLine) {
  EXPECT_EQ(render_markdown(sample()),
            "# A \\<study>\n\n"
            "## Runs & fits\n\n"
            "see [rates.csv](rates.csv) and `x_i`; *no figure*\n\n"
            "| dt | \\|e - ref\\| | status |\n|---:|---:|:---|\n| 0.01 | 1e-3 | used |\n\n"
            "![Figure f: w2 \\< 1](figures/f.png)\n\n*Figure f: w2 \\< 1* (data: `figures/f.dat`, script: "
            "`figures/f.gp`)\n\n"
            "- one\n- two\n\n"
            "```toml\na = \"<b>\"\n```\n\n");
}

TEST(Document, HtmlIsAPageWithEscapedText) {
  const std::string html = render_html(sample());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>A &lt;study&gt;</title>", 0), 0u);
  for (const char* part :
       {"<body>\n<h1>A &lt;study&gt;</h1>\n<h2 id=\"runs\">Runs &amp; fits</h2>\n",
        "<p>see <a href=\"rates.csv\">rates.csv</a> and <code>x_i</code>; <em>no figure</em></p>\n",
        "<table>\n<tr><th>dt</th><th>|e - ref|</th><th style=\"text-align:left\">status</th></tr>\n",
        "<figure><img src=\"figures/f.svg\" alt=\"Figure f: w2 &lt; 1\"><figcaption>Figure f: w2 &lt; 1 (<a "
        "href=\"figures/f.dat\">data</a>, <a href=\"figures/f.gp\">gnuplot script</a>)</figcaption></figure>\n",
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<pre>a = &quot;&lt;b&gt;&quot;\n</pre>\n</body></html>\n"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
}

TEST(Document, MarkdownEscapesOnlyWhatWouldReadAsMarkup) {
  // Plain prose of the reports stays as it is: intra-word underscores, a lone *, balanced brackets, a caret.
  EXPECT_EQ(markdown_escape("zeta_eps * rho^N over [-0.5, 0.5]"), "zeta_eps * rho^N over [-0.5, 0.5]");
  EXPECT_EQ(markdown_escape("_x_ and *y*"), "\\_x\\_ and \\*y\\*");
  EXPECT_EQ(markdown_escape("[a](b)"), "[a\\](b)");  // no link
  EXPECT_EQ(markdown_escape("a ] b"), "a \\] b");     // unbalanced
  EXPECT_EQ(markdown_escape("`c` \\ <d>"), "\\`c\\` \\\\ \\<d>");
  EXPECT_EQ(markdown_escape("a|b"), "a|b");
  EXPECT_EQ(markdown_escape("a|b", true), "a\\|b");
  // Text that would start a heading, list or quote at the start of a paragraph.
  Document d;
  d.add(Paragraph{{text("# not a heading")}});
  d.add(Paragraph{{text("1. not a list")}});
  EXPECT_EQ(render_markdown(d), "\\# not a heading\n\n1\\. not a list\n\n");
  // A fence longer than any run of backticks in the text.
  Document p;
  p.add(Preformatted{"```\nx", ""});
  EXPECT_EQ(render_markdown(p), "````\n```\nx\n````\n\n");
}

TEST(Document, HtmlEscapesMarkupCharacters) { EXPECT_EQ(html_escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;'"); }

}  // namespace
}  // namespace blobflow::reports
