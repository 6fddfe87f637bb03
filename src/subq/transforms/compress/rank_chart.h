// The kept fraction of each compressed layer (rank / full rank) against its block index, one
// line per projection kind (q_proj, up_proj, ...), drawn with report/figure (PNG or SVG by
// the file extension).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "subq/transforms/compress/layer_report.h"

namespace subq::compress {

void write_rank_chart(const std::filesystem::path& png, const std::vector<CompressedLayer>& layers,
                      const std::string& title);

}  // namespace subq::compress
