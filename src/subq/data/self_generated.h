// Compatibility header: self-generated training text moved to
// subq/transforms/linearize/self_generated.h (namespace subq::transforms). Kept only because
// apps/subq/linearize.cpp, owned by another change in flight, still includes this path and
// names subq::data::...; it is the one known exception of tools/check_floors.py (data ->
// transforms). Remove it once linearize.cpp includes the new path.
#pragma once
#include "subq/transforms/linearize/self_generated.h"

namespace subq::data {
using transforms::generate_self_documents;
using transforms::SelfGenerationOptions;
using transforms::write_end_of_text_file;
}  // namespace subq::data
