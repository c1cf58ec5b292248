// The one test main: GoogleTest, nothing else. Per-suite set-up lives in fixtures.
#include <gtest/gtest.h>

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
