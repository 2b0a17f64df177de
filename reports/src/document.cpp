// Markdown and HTML rendering of report documents (see document.hpp).
#include "blobflow/reports/document.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

namespace blobflow::reports {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

/// Whether the brackets of `s` pair up ([ before its ]), so that they read as plain text where no ] is followed
/// by ( [ or : (a document never defines link references).
bool balanced_brackets(const std::string& s) {
  int depth = 0;
  for (char c : s) {
    depth += c == '[' ? 1 : c == ']' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth == 0;
}

/// Whether the emphasis marker s[k] (* or _) could open or close emphasis: a * next to a non-space, a _ at a word
/// boundary next to a non-space (an intra-word _ never does).
bool may_emphasize(const std::string& s, std::size_t k) {
  const char before = k > 0 ? s[k - 1] : ' ', after = k + 1 < s.size() ? s[k + 1] : ' ';
  if (is_space(before) && is_space(after)) return false;
  return s[k] == '*' || !(is_word(before) && is_word(after));
}

/// Appends the pieces to `out` (GCC 12 reports a false -Wrestrict for "literal" + std::string&&).
void append(std::string& out, std::initializer_list<std::string_view> pieces) {
  for (std::string_view piece : pieces) out += piece;
}

/// How one format writes each kind of span.
struct SpanFormat {
  std::string (*text)(const std::string& s);
  std::string (*emphasis)(const std::string& s);
  std::string (*code)(const std::string& s);
  std::string (*link)(const std::string& s, const std::string& href);
};

std::string spans_text(const std::vector<Span>& spans, const SpanFormat& format) {
  std::string out;
  for (const Span& s : spans) {
    switch (s.kind) {
      case Span::Kind::text: out += format.text(s.text); break;
      case Span::Kind::emphasis: out += format.emphasis(s.text); break;
      case Span::Kind::code: out += format.code(s.text); break;
      case Span::Kind::link: out += format.link(s.text, s.href); break;
    }
  }
  return out;
}

/// The longest run of backticks in s.
std::size_t longest_backtick_run(const std::string& s) {
  std::size_t longest = 0, run = 0;
  for (char c : s) longest = std::max(longest, run = c == '`' ? run + 1 : 0);
  return longest;
}

std::string markdown_code(const std::string& s) {
  const std::size_t longest = longest_backtick_run(s);
  const std::string fence(longest + 1, '`');
  const bool pad = longest > 0;  // a space keeps a backtick at either end apart from the fence
  return fence + (pad ? " " : "") + s + (pad ? " " : "") + fence;
}

std::string markdown_href(const std::string& href) {
  const bool plain = std::none_of(href.begin(), href.end(), [](char c) { return is_space(c) || c == '(' || c == ')'; });
  return plain ? href : "<" + href + ">";
}

/// Markdown for a paragraph's or item's text: the spans, and a leading character that would start a block
/// (heading, quote, list, rule) escaped.
std::string markdown_spans(const std::vector<Span>& spans) {
  static constexpr SpanFormat kMarkdown{
      [](const std::string& s) { return markdown_escape(s); },
      [](const std::string& s) { return std::string("*").append(markdown_escape(s)).append("*"); },
      markdown_code,
      [](const std::string& s, const std::string& href) {
        std::string out = "[";
        append(out, {markdown_escape(s), "](", markdown_href(href), ")"});
        return out;
      }};
  std::string out = spans_text(spans, kMarkdown);
  const std::size_t digits = out.find_first_not_of("0123456789");
  if (!out.empty() && std::string("#>+-=").find(out[0]) != std::string::npos) out.insert(out.begin(), '\\');
  else if (digits > 0 && digits != std::string::npos && (out[digits] == '.' || out[digits] == ')'))
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(digits), '\\');  // "1. " would start an ordered list
  return out;
}

std::string markdown_table(const TableBlock& t) {
  const auto line = [](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) append(s, {" ", markdown_escape(c, true), " |"});
    return s + "\n";
  };
  std::string out = line(t.header) + "|";
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    const Align a = c < t.align.size() ? t.align[c] : Align::right;
    out += a == Align::right ? "---:|" : a == Align::left ? ":---|" : ":---:|";
  }
  out += "\n";
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string markdown_block(const Block& block) {
  if (const auto* h = std::get_if<Heading>(&block))
    return std::string(static_cast<std::size_t>(std::clamp(h->level, 1, 6)), '#').append(" ") +
           markdown_escape(h->text);
  if (const auto* p = std::get_if<Paragraph>(&block)) return markdown_spans(p->spans);
  if (const auto* t = std::get_if<TableBlock>(&block)) return markdown_table(*t);
  if (const auto* f = std::get_if<FigureBlock>(&block))
    return "![" + markdown_escape(f->caption) + "](" + markdown_href(f->png) + ")\n\n*" + markdown_escape(f->caption) +
           "* (data: " + markdown_code(f->data) + ", script: " + markdown_code(f->script) + ")";
  if (const auto* l = std::get_if<BulletList>(&block)) {
    std::string out;
    for (const auto& item : l->items) out += "- " + markdown_spans(item) + "\n";
    return out;
  }
  const auto& pre = std::get<Preformatted>(block);
  const std::string fence(std::max<std::size_t>(3, longest_backtick_run(pre.text) + 1), '`');
  const bool newline = pre.text.empty() || pre.text.back() == '\n';
  return fence + pre.language + "\n" + pre.text + (newline ? "" : "\n") + fence;
}

std::string html_spans(const std::vector<Span>& spans) {
  static constexpr SpanFormat kHtml{
      html_escape, [](const std::string& s) { return std::string("<em>").append(html_escape(s)).append("</em>"); },
      [](const std::string& s) { return std::string("<code>").append(html_escape(s)).append("</code>"); },
      [](const std::string& s, const std::string& href) {
        std::string out = "<a href=\"";
        append(out, {html_escape(href), "\">", html_escape(s), "</a>"});
        return out;
      }};
  return spans_text(spans, kHtml);
}

std::string html_table(const TableBlock& t) {
  const auto cell = [&](const char* tag, std::size_t c, const std::string& s) {
    const Align a = c < t.align.size() ? t.align[c] : Align::right;  // right: the page's style
    const std::string style = a == Align::right ? "" : a == Align::left ? " style=\"text-align:left\""
                                                                        : " style=\"text-align:center\"";
    return std::string("<") + tag + style + ">" + html_escape(s) + "</" + tag + ">";
  };
  std::string out = "<table>\n<tr>";
  for (std::size_t c = 0; c < t.header.size(); ++c) out += cell("th", c, t.header[c]);
  out += "</tr>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) out += cell("td", c, row[c]);
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string html_block(const Block& block) {
  if (const auto* h = std::get_if<Heading>(&block)) {
    const std::string tag = std::string("h").append(std::to_string(std::clamp(h->level, 1, 6)));
    std::string out = std::string("<").append(tag);
    if (!h->anchor.empty()) append(out, {" id=\"", html_escape(h->anchor), "\""});
    append(out, {">", html_escape(h->text), "</", tag, ">\n"});
    return out;
  }
  if (const auto* p = std::get_if<Paragraph>(&block)) return "<p>" + html_spans(p->spans) + "</p>\n";
  if (const auto* t = std::get_if<TableBlock>(&block)) return html_table(*t);
  if (const auto* f = std::get_if<FigureBlock>(&block))
    return "<figure><img src=\"" + html_escape(f->svg) + "\" alt=\"" + html_escape(f->caption) + "\"><figcaption>" +
           html_escape(f->caption) + " (<a href=\"" + html_escape(f->data) + "\">data</a>, <a href=\"" +
           html_escape(f->script) + "\">gnuplot script</a>)</figcaption></figure>\n";
  if (const auto* l = std::get_if<BulletList>(&block)) {
    std::string out = "<ul>\n";
    for (const auto& item : l->items) out += "<li>" + html_spans(item) + "</li>\n";
    return out + "</ul>\n";
  }
  return "<pre>" + html_escape(std::get<Preformatted>(block).text) + "</pre>\n";
}

}  // namespace

Span text(std::string s) { return {Span::Kind::text, std::move(s), {}}; }
Span emphasis(std::string s) { return {Span::Kind::emphasis, std::move(s), {}}; }
Span code(std::string s) { return {Span::Kind::code, std::move(s), {}}; }
Span link(std::string s, std::string href) { return {Span::Kind::link, std::move(s), std::move(href)}; }

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string markdown_escape(const std::string& s, bool in_table) {
  const bool brackets_plain = balanced_brackets(s);
  std::string out;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const char c = s[k], next = k + 1 < s.size() ? s[k + 1] : ' ';
    const bool escape = c == '\\' || c == '`' || c == '<' || (in_table && c == '|') ||
                        ((c == '*' || c == '_') && may_emphasize(s, k)) ||
                        ((c == '[' || c == ']') && !brackets_plain) ||
                        (c == ']' && (next == '(' || next == '[' || next == ':'));
    if (escape) out += '\\';
    out += c;
  }
  return out;
}

std::string render_markdown(const Document& document) {
  std::string out;
  for (const Block& block : document.blocks) {
    const std::string text = markdown_block(block);
    out += text + (text.empty() || text.back() != '\n' ? "\n\n" : "\n");
  }
  return out;
}

std::string render_html(const Document& document) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(document.title) +
                    "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
                    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;text-align:right}"
                    "img{width:100%;max-width:1100px}pre{background:#f4f4f4;padding:8px;overflow:auto}</style></head><body>\n";
  for (const Block& block : document.blocks) out += html_block(block);
  return out + "</body></html>\n";
}

}  // namespace blobflow::reports
