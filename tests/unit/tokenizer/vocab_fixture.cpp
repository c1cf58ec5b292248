#include "vocab_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace hp::translate::test {

tokenizer const& vocab()
{
    static std::unique_ptr<tokenizer> const loaded = [] {
        auto r = tokenizer::load(tokenizer::default_path());
        if (!r) throw std::runtime_error("vocabulary did not load: " + r.error().message);
        return std::make_unique<tokenizer>(std::move(*r));
    }();
    return *loaded;
}

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace hp::translate::test
