#include "subq/analysis/attention_report.h"

#include <fmt/format.h>

#include <cmath>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::analysis {

namespace {

nlohmann::json head_summary(const HeadAttentionStatistics& h) {
  auto full = h.to_json();
  for (const char* histogram : {"weight_histogram", "row_max_histogram", "histogram_range"}) full.erase(histogram);
  return full;
}

std::string fixed(const nlohmann::json& v, int digits = 3) {
  return v.is_number() ? fmt::format("{:.{}f}", v.get<double>(), digits) : "-";
}
std::string fixed(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "-"; }

void subjet_table(report::HtmlPage& page, const nlohmann::json& subjets) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : subjets)
    for (const auto& layer : s["layers"])
      for (size_t h = 0; h < layer["heads"].size(); ++h) {
        const auto& v = layer["heads"][h];
        rows.push_back({std::to_string(s["n_subjets"].get<int>()), layer["name"].get<std::string>(), std::to_string(h),
                        fixed(v["within_subjet"]), fixed(v["between_subjets"]), fixed(v["uniform_within_subjet"]),
                        std::to_string(v["rows_without_subjet"].get<int64_t>())});
      }
  page.table({"subjets", "layer", "head", "within", "between", "uniform within", "rows outside subjets"}, rows);
}

}  // namespace

void add_attention_table(report::HtmlPage& page, const std::vector<AttentionStatistics::Layer>& layers) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& layer : layers)
    for (size_t h = 0; h < layer.heads.size(); ++h) {
      const auto& s = layer.heads[h];
      rows.push_back({layer.name, std::to_string(h), std::to_string(s.rows()), fixed(s.fraction_rows_max_above(0.5)),
                      fixed(s.fraction_rows_max_above(0.8)), fixed(s.fraction_rows_max_above(0.9)),
                      fixed(s.mean_row_max()), fixed(s.mean_self_weight()), fixed(s.mean_row_entropy()),
                      fixed(s.mean_uniform_entropy()),
                      fixed(s.fraction_weights_near_zero()), fixed(s.fraction_weights_near_one()),
                      fixed(s.attention_only_vs_log_weight().value()), fixed(s.pair_bias_vs_log_weight().value())});
    }
  page.table({"layer", "head", "rows", "max>0.5", "max>0.8", "max>0.9", "mean max", "self", "entropy", "uniform entropy",
              "w<0.01", "w>0.99", "r(logw-U, logw)", "r(U, logw)"},
             rows);
}

int64_t add_figures(report::HtmlPage& page, const std::vector<AttentionFigure>& figures,
                    const std::filesystem::path& figures_dir) {
  std::string section;
  for (const auto& f : figures) {
    const auto stem = figures_dir / f.name;
    std::visit([&](const auto& figure) {
      report::save_figure(figure, stem.string() + ".png");
      report::save_figure(figure, stem.string() + ".svg");
    }, f.figure);
    if (f.section != section) {
      if (!section.empty()) page.end_grid();
      page.heading(f.section);
      page.begin_grid();
      section = f.section;
    }
    page.figure(stem.string() + ".png", f.caption, figures_dir.filename().string() + "/" + f.name + ".svg");
  }
  if (!section.empty()) page.end_grid();
  return static_cast<int64_t>(figures.size());
}

nlohmann::json attention_summary(const JetAttentionAnalysis& analysis) {
  nlohmann::json out = {{"source", analysis.source}, {"groups", nlohmann::json::array()}};
  for (const auto& g : analysis.groups) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : g.attention.layers()) {
      nlohmann::json heads = nlohmann::json::array();
      for (const auto& h : l.heads) heads.push_back(head_summary(h));
      layers.push_back({{"name", l.name}, {"heads", heads}});
    }
    nlohmann::json subjets = nlohmann::json::array();
    for (const auto& s : g.subjets) subjets.push_back(s.to_json());
    out["groups"].push_back({{"name", g.name}, {"jets", g.attention.jets()}, {"layers", layers}, {"subjets", subjets}});
  }
  return out;
}

AttentionReportFiles write_attention_report(const JetAttentionAnalysis& analysis,
                                            const std::filesystem::path& out_dir,
                                            const AttentionFigureOptions& options) {
  AttentionReportFiles files{out_dir / "report.html", out_dir / "attention.json", out_dir / "figures", 0};
  std::error_code ec;
  std::filesystem::create_directories(files.figures, ec);
  SUBQ_CHECK(!ec, "{}: cannot create the report directory: {}", files.figures.string(), ec.message());
  write_text_atomically(files.json, analysis.to_json().dump(1) + "\n");

  const auto summary = attention_summary(analysis);
  report::HtmlPage page(fmt::format("ParT attention: {}", analysis.source));
  page.paragraph(fmt::format(
      "{} jets. Statistics use real particles only (padding excluded). A row is one query "
      "particle's attention over the jet; 'binary' rows have one weight above the threshold. Uniform "
      "entropy = mean log(n) of the rows, the entropy of uniform attention. r(logw-U, logw): Pearson "
      "correlation of the attention-only term log(softmax) - U with log(softmax); r(U, logw): of the pair "
      "bias U with log(softmax) (entries with weight 0 excluded). All numbers are in attention.json.",
      analysis.groups.at(0).attention.jets()));
  page.preformatted("model: " + analysis.model_config.dump());
  for (size_t i = 0; i < analysis.groups.size(); ++i) {
    const auto& g = analysis.groups[i];
    if (g.attention.jets() == 0) continue;
    page.heading(fmt::format("Statistics: {} ({} jets)", g.name, g.attention.jets()));
    add_attention_table(page, g.attention.layers());
    const auto& subjets = summary["groups"][i]["subjets"];
    if (subjets.empty()) continue;
    page.heading(fmt::format("Within vs between subjets (exclusive kT, R = {:g})", subjets[0]["radius"].get<double>()), 3);
    subjet_table(page, subjets);
  }
  files.figure_count = add_figures(page, attention_figures(analysis, options), files.figures);
  write_text_atomically(files.html, page.render());
  return files;
}

}  // namespace subq::analysis
