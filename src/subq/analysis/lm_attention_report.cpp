#include "subq/analysis/lm_attention_report.h"

#include <fmt/format.h>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::analysis {

namespace {

std::vector<AttentionFigure> lm_figures(const LmAttention& attention,
                                        const std::vector<AttentionStatistics::Layer>& layers,
                                        const std::vector<std::vector<double>>& first_token) {
  const report::FigureSize overview{640, 440};
  std::vector<std::string> names;
  size_t heads = 0;
  for (const auto& l : layers) names.push_back(l.name), heads = std::max(heads, l.heads.size());
  std::vector<AttentionFigure> out;
  out.push_back({"binary_rows_0.5", "Overview", "Fraction of rows (queries 1..L-1) whose largest weight exceeds 0.5.",
                 layer_head_map("rows with max weight > 0.5", names, heads,
                                [&](size_t l, size_t h) { return layers[l].heads[h].fraction_rows_max_above(0.5); },
                                overview)});
  out.push_back({"first_token", "Overview", "Mean weight on the first token (attention sink), queries 1..L-1.",
                 layer_head_map("attention to the first token", names, heads,
                                [&](size_t l, size_t h) { return first_token[l][h]; }, overview)});
  for (const auto& l : layers) {
    out.push_back({"weights_" + l.name, "Weight distributions", "All causal attention weights (log scale).",
                   histogram_curves(l, false, overview)});
    out.push_back({"row_max_" + l.name, "Weight distributions", "Each row's largest weight.",
                   histogram_curves(l, true, overview)});
  }
  const int64_t L = static_cast<int64_t>(attention.tokens.size());
  const int side = static_cast<int>(std::clamp<int64_t>(160 + 12 * L, 360, 900));
  for (size_t l = 0; l < attention.weights.size(); ++l)
    for (int64_t h = 0; h < attention.weights[l].size(0); ++h) {
      report::HeatMap map;
      map.title = fmt::format("layer {} head {}", l, h);
      map.x_label = "key token";
      map.y_label = "query token";
      map.v_min = 0, map.v_max = 1;
      map.size = {side, side};
      map.values = matrix_rows(attention.weights[l][h]);
      map.row_labels = map.column_labels = attention.tokens;
      out.push_back({fmt::format("layer{}_head{}_map", l, h), fmt::format("Layer {}", l),
                     "Causal attention (rows = queries).", std::move(map)});
    }
  return out;
}

}  // namespace

nlohmann::json write_lm_attention_report(const LmAttention& attention, const std::string& title,
                                         const std::filesystem::path& out_dir, AttentionReportFiles* files_out) {
  const auto layers = lm_attention_statistics(attention);
  const auto first_token = first_token_attention(attention);
  AttentionReportFiles files{out_dir / "report.html", out_dir / "attention.json", out_dir / "figures", 0};
  std::error_code ec;
  std::filesystem::create_directories(files.figures, ec);
  SUBQ_CHECK(!ec, "{}: cannot create the report directory: {}", files.figures.string(), ec.message());

  nlohmann::json summary = {{"title", title}, {"tokens", attention.tokens}, {"layers", nlohmann::json::array()}};
  nlohmann::json full = summary;
  for (size_t l = 0; l < layers.size(); ++l) {
    nlohmann::json heads = nlohmann::json::array(), full_heads = nlohmann::json::array();
    for (size_t h = 0; h < layers[l].heads.size(); ++h) {
      auto stats = layers[l].heads[h].to_json();
      stats["mean_first_token_weight"] = first_token[l][h];
      auto weights = attention.weights[l][h].to(torch::kDouble).contiguous();
      auto with_weights = stats;
      with_weights["weights"] = matrix_rows(weights);
      full_heads.push_back(with_weights);
      for (const char* histogram : {"weight_histogram", "row_max_histogram", "histogram_range"}) stats.erase(histogram);
      heads.push_back(stats);
    }
    summary["layers"].push_back({{"name", layers[l].name}, {"heads", heads}});
    full["layers"].push_back({{"name", layers[l].name}, {"heads", full_heads}});
  }
  write_text_atomically(files.json, full.dump(1) + "\n");

  report::HtmlPage page(title);
  page.paragraph(fmt::format(
      "{} tokens, {} layers. Rows are queries 1..L-1 over their causal keys 0..i (row 0 can only attend "
      "to itself). Uniform entropy = mean log(i + 1). All numbers and every weight are in attention.json.",
      attention.tokens.size(), layers.size()));
  page.preformatted(fmt::format("tokens: {}", nlohmann::json(attention.tokens).dump()));
  add_attention_table(page, layers);
  files.figure_count = add_figures(page, lm_figures(attention, layers, first_token), files.figures);
  write_text_atomically(files.html, page.render());
  if (files_out) *files_out = files;
  return summary;
}

}  // namespace subq::analysis
