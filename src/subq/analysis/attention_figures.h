// The pictures of the attention report, as figure descriptions (report/figure.h) that the
// report writes as PNG and SVG: weight and row-maximum histograms per layer (one curve per
// head), binary-row fractions and within-subjet shares as layer x head heat maps, and for each
// chosen jet its attention heat maps and eta-phi attention graphs per layer and head
// (particles sized by pT and coloured by 3-subjet membership, subjet axes marked, lines
// weighted by attention).
#pragma once
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

// The eta-phi attention graph of one jet, layer and head (exposed for tests).
report::GraphDrawing attention_graph(const ShownJet& jet, size_t layer, int64_t head,
                                     const AttentionFigureOptions& options = {});

}  // namespace subq::analysis
