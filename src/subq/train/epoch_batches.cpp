#include "subq/train/epoch_batches.h"

#include <algorithm>

#include "subq/util/error.h"

namespace subq::train {

EpochBatches::EpochBatches(int64_t rows, int64_t batch) : rows_(rows), batch_(std::min(batch, rows)) {
  SUBQ_CHECK(rows > 0 && batch > 0, "mini-batches need rows and a batch size > 0 (got {} rows, batch {})", rows,
             batch);
}

torch::Tensor EpochBatches::rows(int64_t step) {
  const int64_t i = step % steps_per_epoch();
  if (i == 0 || !order_.defined()) order_ = torch::randperm(rows_, torch::kInt64);
  const int64_t begin = i * batch_;
  return order_.narrow(0, begin, std::min(batch_, rows_ - begin));
}

}  // namespace subq::train
