// The attention report of a language model on one prompt (`subq attention`): report.html
// (self-contained), attention.json (statistics per layer/head, first-token attention, the
// token texts and every weight) and figures/*.png|svg: weight and row-max histograms per
// layer, layer x head maps of binary rows and of attention to the first token, and one heat
// map per layer and head with the tokens on the axes. Atomic files; report.html last.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "subq/analysis/attention_report.h"
#include "subq/analysis/lm_attention.h"

namespace subq::analysis {

// Returns the summary printed by `subq attention --json` (no histograms, no weights).
nlohmann::json write_lm_attention_report(const LmAttention& attention, const std::string& title,
                                         const std::filesystem::path& out_dir, AttentionReportFiles* files = nullptr);

}  // namespace subq::analysis
