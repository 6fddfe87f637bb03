#include "subq/report/html_page.h"

#include <fmt/format.h>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::report {

std::string base64_encode(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void HtmlPage::heading(const std::string& text, int level) {
  SUBQ_CHECK(level >= 1 && level <= 6, "HTML heading level {} is not 1..6", level);
  body_ += fmt::format("<h{0}>{1}</h{0}>\n", level, html_escape(text));
}

void HtmlPage::paragraph(const std::string& text) { body_ += "<p>" + html_escape(text) + "</p>\n"; }

void HtmlPage::preformatted(const std::string& text) { body_ += "<pre>" + html_escape(text) + "</pre>\n"; }

void HtmlPage::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  body_ += "<table>\n<tr>";
  for (const auto& h : header) body_ += "<th>" + html_escape(h) + "</th>";
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    SUBQ_CHECK(row.size() == header.size(), "HTML table row has {} cells for {} columns", row.size(), header.size());
    body_ += "<tr>";
    for (const auto& cell : row) body_ += "<td>" + html_escape(cell) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

void HtmlPage::figure(const std::filesystem::path& png, const std::string& caption, const std::string& link) {
  SUBQ_CHECK(png.extension() == ".png", "{}: only PNG figures are embedded", png.string());
  const auto bytes = read_file(png);
  SUBQ_CHECK(bytes.size() > 8 && bytes.compare(1, 3, "PNG") == 0, "{}: not a PNG file", png.string());
  body_ += fmt::format("<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{}", html_escape(caption),
                       base64_encode(bytes), html_escape(caption));
  if (!link.empty()) body_ += fmt::format(" <a href=\"{0}\">{0}</a>", html_escape(link));
  body_ += "</figcaption></figure>\n";
}

void HtmlPage::begin_grid() { body_ += "<div class=\"grid\">\n"; }
void HtmlPage::end_grid() { body_ += "</div>\n"; }

std::string HtmlPage::render() const {
  return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{0}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1600px; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }}
th {{ background: #eee; }}
figure {{ display: inline-block; margin: 0.5em; vertical-align: top; }}
figcaption {{ font-size: 0.8em; max-width: 640px; }}
.grid {{ display: flex; flex-wrap: wrap; }}
pre {{ background: #f6f6f6; padding: 0.5em; white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>{0}</h1>
{1}</body>
</html>
)",
                     html_escape(title_), body_);
}

}  // namespace subq::report
