// tests/support/run_coro.hpp: runs a coroutine on an io_context to completion, failing the test
// instead of hanging when it does not finish within `timeout`.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <optional>

namespace hp::test {

template <class T>
T run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<T> task, std::chrono::milliseconds timeout)
{
    std::optional<T> result;
    std::exception_ptr error;
    bool done = false;
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) result.emplace(std::move(value));
        done = true;
    });
    ioc.restart();
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(std::chrono::milliseconds(20));
    if (!done) {
        ADD_FAILURE() << "coroutine did not finish within " << timeout.count() << " ms";
        throw std::runtime_error("run_coro timeout");
    }
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

inline void run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<void> task, std::chrono::milliseconds timeout)
{
    std::exception_ptr error;
    bool done = false;
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e) {
        error = e;
        done = true;
    });
    ioc.restart();
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(std::chrono::milliseconds(20));
    if (!done) {
        ADD_FAILURE() << "coroutine did not finish within " << timeout.count() << " ms";
        throw std::runtime_error("run_coro timeout");
    }
    if (error) std::rethrow_exception(error);
}

} // namespace hp::test
