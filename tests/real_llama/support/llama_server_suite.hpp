// A GoogleTest base fixture that shares one real llama-server across the tests of a suite.
#pragma once

#include "real_llama/support/llama_server.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace hp::test {

/// Derive a fixture from this; the server starts once in SetUpTestSuite and stops (by pid) in
/// TearDownTestSuite. A start-up failure makes every test of the suite fail with the reason,
/// the server's log tail included.
class llama_server_suite : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        try {
            server_ = std::make_unique<llama_server>();
        } catch (std::exception const& e) {
            start_error_ = e.what();
        }
    }

    static void TearDownTestSuite() { server_.reset(); }

    static llama_server& server()
    {
        if (!server_) throw std::runtime_error("llama-server did not start: " + start_error_);
        return *server_;
    }

    static endpoint const& upstream() { return server().endpoint(); }

private:
    static inline std::unique_ptr<llama_server> server_;
    static inline std::string start_error_;
};

} // namespace hp::test
