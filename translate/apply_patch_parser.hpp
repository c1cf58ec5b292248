// translate/apply_patch_parser.hpp: recognizes exactly the language of Codex's apply_patch Lark
// grammar (../shared/notes/codex.md, verbatim), read as a context-free grammar over characters:
//
//   start: begin_patch hunk+ end_patch
//   begin_patch: "*** Begin Patch" LF
//   end_patch: "*** End Patch" LF?
//   hunk: add_hunk | delete_hunk | update_hunk
//   add_hunk: "*** Add File: " filename LF add_line+
//   delete_hunk: "*** Delete File: " filename LF
//   update_hunk: "*** Update File: " filename LF change_move? change?
//   filename: /(.+)/                       (any characters but LF, at least one)
//   add_line: "+" /(.*)/ LF -> line
//   change_move: "*** Move to: " filename LF
//   change: (change_context | change_line)+ eof_line?
//   change_context: ("@@" | "@@ " /(.+)/) LF
//   change_line: ("+" | "-" | " ") /(.*)/ LF
//   eof_line: "*** End of File" LF
//
// Every element ends at an LF, so the language is line-based: a small state machine over lines.
// In prefix mode the text may stop anywhere, including inside a line, as long as some valid patch
// starts with it (what a grammar-constrained generation cut off by n_predict looks like).
#pragma once

#include "translate/gbnf.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

enum class patch_mode { complete, prefix };

struct patch_hunk
{
    enum class kind { add, remove, update };
    kind type;
    std::string path;
    std::string move_to;            // update only, may be empty
    std::vector<std::string> lines; // add: the "+" lines; update: context/change/eof lines as written
};

// The hunks of a patch in the apply_patch language, or the first line that breaks it.
grammar_result<std::vector<patch_hunk>> parse_apply_patch(std::string_view text,
                                                          patch_mode mode = patch_mode::complete);

} // namespace hp::translate
