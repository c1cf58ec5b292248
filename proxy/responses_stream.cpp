#include "proxy/responses_stream.hpp"

namespace hp::proxy {

namespace {

translate::pipeline_observer observer_for(exchange_recorder& recorder)
{
    if (!recorder.enabled()) return {};
    return [&recorder](std::string_view kind, boost::json::object fields) {
        auto r = recorder.make(kind);
        for (auto& [k, v] : fields) r[k] = std::move(v);
        recorder.submit(std::move(r));
    };
}

} // namespace

responses_stream::responses_stream(translate::tokenizer const& tok, translate::response_builder_options builder_options,
                                   std::uint64_t prompt_tokens, exchange_recorder& recorder,
                                   translate::pipeline_control control)
    : recorder_(recorder),
      pipeline_(tok, std::move(builder_options), prompt_tokens, observer_for(recorder), std::move(control))
{
}

void responses_stream::feed(std::string_view bytes, std::vector<boost::json::object>& out)
{
    if (recorder_.enabled()) {
        auto r = recorder_.make(capture::kind::upstream_chunk);
        capture::store_bytes(r, "data", bytes);
        recorder_.submit(std::move(r));
    }
    pipeline_.feed(bytes, out);
}

} // namespace hp::proxy
