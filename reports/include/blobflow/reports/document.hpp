// A report as one document: a title and a list of blocks (headings, paragraphs, tables, figures, lists,
// preformatted text), built once and rendered as Markdown (report.md) and as a standalone HTML page (index.html),
// so that each section of a report is written in one place. The renderers escape the text they are given: callers
// pass plain text, never Markdown or HTML.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace blobflow::reports {

/// A piece of running text: plain, emphasized, code, or a link to `href` (a relative path or a URL).
struct Span {
  enum class Kind { text, emphasis, code, link };
  Kind kind = Kind::text;
  std::string text;
  std::string href;  ///< links only
};

Span text(std::string s);
Span emphasis(std::string s);
Span code(std::string s);
Span link(std::string s, std::string href);

/// A section heading of level 1 (the title) to 6. A non-empty anchor becomes the HTML element's id.
struct Heading {
  int level = 2;
  std::string text;
  std::string anchor;
};

/// A paragraph of spans.
struct Paragraph {
  std::vector<Span> spans;
};

enum class Align { right, left, center };

/// A table of plain-text cells; `align` per column (missing entries: right, the report's default for numbers).
struct TableBlock {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<Align> align;
};

/// A figure: an image (PNG for Markdown viewers, SVG for the page), its caption, and the data and script it was
/// drawn from (paths relative to the document).
struct FigureBlock {
  std::string caption;
  std::string png, svg;
  std::string data, script;
};

/// A bullet list, one paragraph of spans per item.
struct BulletList {
  std::vector<std::vector<Span>> items;
};

/// Text shown as it is (a file's content); `language` labels the Markdown fence ("toml").
struct Preformatted {
  std::string text;
  std::string language;
};

using Block = std::variant<Heading, Paragraph, TableBlock, FigureBlock, BulletList, Preformatted>;

/// A whole document; `title` is the HTML page's title (a level-1 heading is a block of its own).
struct Document {
  std::string title;
  std::vector<Block> blocks;

  void add(Block block) { blocks.push_back(std::move(block)); }
};

/// The document as Markdown (CommonMark with GitHub tables): each block followed by a blank line.
std::string render_markdown(const Document& document);
/// The document as a standalone HTML page (one element per line of blocks, right-aligned table cells by style).
std::string render_html(const Document& document);

/// `s` with the characters HTML gives a meaning (< > & ") replaced by entities.
std::string html_escape(const std::string& s);
/// `s` as Markdown text that reads back as `s`: backslashes, backticks, < and emphasis markers that could open or
/// close emphasis are escaped, and brackets where they could form a link. With `in_table`, also the cell
/// separator |.
std::string markdown_escape(const std::string& s, bool in_table = false);

}  // namespace blobflow::reports
