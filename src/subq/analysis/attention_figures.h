// The pictures of the attention report, as figure descriptions (report/figure.h) that the
// report writes as PNG and SVG: weight and row-maximum histograms per layer (one curve per
// head), binary-row fractions and within-subjet shares as layer x head heat maps, and for each
// chosen jet its attention heat maps and eta-phi attention graphs per layer and head
// (particles sized by pT and coloured by 3-subjet membership, subjet axes marked, lines
// weighted by attention).
#pragma once
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "subq/analysis/jet_attention_analysis.h"
#include "subq/report/figure.h"

namespace subq::analysis {

struct AttentionFigure {
  std::string name;     // file stem, unique, [a-z0-9_.]
  std::string section;  // report section it belongs to
  std::string caption;
  std::variant<report::LinePlot, report::HeatMap, report::GraphDrawing> figure;
};

struct AttentionFigureOptions {
  double min_edge_weight = 0.05;  // graph edges below this weight are not drawn
  report::FigureSize overview_size{640, 440}, jet_size{400, 360};
};

std::vector<AttentionFigure> attention_figures(const JetAttentionAnalysis& analysis,
                                               const AttentionFigureOptions& options = {});

// Building blocks shared with the language-model report (lm_attention_report.h):
// one curve per head of a [0, 1] histogram (weights, or row maxima), log y;
report::LinePlot histogram_curves(const AttentionStatistics::Layer& layer, bool row_max, report::FigureSize size);
// a layer x head heat map on [0, 1], annotated.
report::HeatMap layer_head_map(const std::string& title, const std::vector<std::string>& layer_names,
                               size_t heads, const std::function<double(size_t, size_t)>& value,
                               report::FigureSize size);

// a 2-D tensor as HeatMap values.
std::vector<std::vector<double>> matrix_rows(const torch::Tensor& m);

// The eta-phi attention graph of one jet, layer and head (exposed for tests).
report::GraphDrawing attention_graph(const ShownJet& jet, size_t layer, int64_t head,
                                     const AttentionFigureOptions& options = {});

}  // namespace subq::analysis
