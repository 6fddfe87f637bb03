// Step-indexed mini-batches over rows 0..n-1 for training loops that only know a step count
// (the compression recipe's loss(step)): every epoch boundary (step % steps_per_epoch == 0)
// draws a new permutation from torch's global generator, which the caller seeds; the last
// batch of an epoch may be short. (data::SampleStream is the resumable, seed-per-epoch stream
// the LM trainer uses; this one follows torch's generator as the jet/bio trainers do.)
#pragma once
#include <cstdint>

#include <torch/torch.h>

namespace subq::train {

class EpochBatches {
 public:
  EpochBatches(int64_t rows, int64_t batch);
  int64_t batch_size() const { return batch_; }
  int64_t steps_per_epoch() const { return (rows_ + batch_ - 1) / batch_; }
  // Row positions (int64) of step `step`; steps are expected in increasing order.
  torch::Tensor rows(int64_t step);

 private:
  int64_t rows_, batch_;
  torch::Tensor order_;
};

}  // namespace subq::train
