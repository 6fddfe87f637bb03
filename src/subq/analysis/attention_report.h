// Writes the attention report of a JetAttentionAnalysis into a directory:
//   report.html     self-contained (figures embedded as PNG data URIs), opens offline;
//   attention.json  every statistic (histograms included) for all jets and per class;
//   figures/*.png, figures/*.svg   each figure in both formats.
// Every file is written atomically; report.html comes last, so a report directory with a
// report.html is complete.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "subq/analysis/attention_figures.h"
#include "subq/analysis/jet_attention_analysis.h"
#include "subq/report/html_page.h"

namespace subq::analysis {

struct AttentionReportFiles {
  std::filesystem::path html, json, figures;
  int64_t figure_count = 0;
};

AttentionReportFiles write_attention_report(const JetAttentionAnalysis& analysis,
                                            const std::filesystem::path& out_dir,
                                            const AttentionFigureOptions& options = {});

// Pieces shared with the language-model report: the per layer/head statistics table, and
// writing figures (PNG + SVG under `figures_dir`) into `page`, one section per figure section.
void add_attention_table(report::HtmlPage& page, const std::vector<AttentionStatistics::Layer>& layers);
int64_t add_figures(report::HtmlPage& page, const std::vector<AttentionFigure>& figures,
                    const std::filesystem::path& figures_dir);

// The headline numbers per group, layer and head (binary-row fractions, weights piled up at
// 0 and 1, entropy, correlations, within-subjet shares): what `subq jets attention --json`
// prints and the report's tables show.
nlohmann::json attention_summary(const JetAttentionAnalysis& analysis);

}  // namespace subq::analysis
