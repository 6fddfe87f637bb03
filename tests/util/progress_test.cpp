// Progress-line metrics: a value not measured yet shows as "-", a measured one (0 included)
// with the requested decimals.
#include "subq/util/progress.h"

#include <gtest/gtest.h>

namespace subq {
namespace {

TEST(Progress, UnmeasuredMetricIsADashNotZero) {
  EXPECT_EQ(metric_text(std::nullopt), "-");
  EXPECT_EQ(metric_text(0.0), "0.0000");
  EXPECT_EQ(metric_text(1.23456, 2), "1.23");
  EXPECT_EQ(metric_text(-3.56, 1), "-3.6");
}

}  // namespace
}  // namespace subq
