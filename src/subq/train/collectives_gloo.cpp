#include "subq/train/collectives.h"

#include <chrono>
#include <cstdlib>

#include <torch/csrc/distributed/c10d/Store.hpp>
#if __has_include(<gloo/context.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define SUBQ_HAVE_GLOO 1
#endif

#include "subq/util/error.h"

namespace subq::train {

bool gloo_built() {
#ifdef SUBQ_HAVE_GLOO
  return true;
#else
  return false;
#endif
}

Collectives gloo_collectives(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world_size) {
#ifdef SUBQ_HAVE_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::minutes(30));
  options->devices.push_back(std::getenv("MASTER_ADDR") ? c10d::ProcessGroupGloo::createDefaultDevice()
                                                         : c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  options->threads = 1;
  // The Gloo group itself, not a c10d::ProcessGroup: since PyTorch 2.0 ProcessGroupGloo derives
  // from c10d::Backend instead, and both versions have allreduce on it.
  auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
  Collectives c;
  c.all_reduce_sum = [group](torch::Tensor& buffer) {
    std::vector<torch::Tensor> tensors{buffer};
    group->allreduce(tensors)->wait();
  };
  return c;
#else
  fail("this build has no Gloo headers (install libgloo-dev and rebuild) so it cannot run {} CPU processes",
       world_size);
#endif
}

}  // namespace subq::train
