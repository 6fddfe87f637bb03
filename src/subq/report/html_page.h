// A self-contained HTML report page: headings, paragraphs, tables and figures, with every
// image embedded (PNG as a base64 data URI), no scripts and no external resources, so the file
// opens offline in any browser and can be mailed around on its own.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace subq::report {

std::string base64_encode(const std::string& bytes);
std::string html_escape(const std::string& text);

class HtmlPage {
 public:
  explicit HtmlPage(std::string title) : title_(std::move(title)) {}
  void heading(const std::string& text, int level = 2);
  void paragraph(const std::string& text);
  void preformatted(const std::string& text);
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
  // Embeds the PNG file at `png` (read now) with a caption; `link` (optional) is written as a
  // relative link to a companion file such as the SVG version.
  void figure(const std::filesystem::path& png, const std::string& caption, const std::string& link = "");
  // Starts/ends a wrapping grid so that many small figures sit side by side.
  void begin_grid();
  void end_grid();
  std::string render() const;

 private:
  std::string title_, body_;
};

}  // namespace subq::report
