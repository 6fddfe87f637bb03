// A bar chart of the kept fraction of each compressed layer (rank / full rank), in model
// order, as PNG. A small Cairo drawing of our own (report/figure from the jets branch had not
// landed when this was written); bars are coloured by the layer's last name component.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "subq/transforms/compress/layer_report.h"

namespace subq::compress {

void write_rank_chart(const std::filesystem::path& png, const std::vector<CompressedLayer>& layers,
                      const std::string& title);

}  // namespace subq::compress
