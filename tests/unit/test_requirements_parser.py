"""inkrider_lite.requirements.parser: pip's requirements-file format, judged for the browser.

Expectations follow https://pip.pypa.io/en/stable/reference/requirements-file-format/ except
where the module docstring says it departs on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inkrider_lite.requirements import (
    BROWSER_ENVIRONMENT,
    ParsedRequirements,
    Problem,
    Requirement,
    parse_requirements,
)
from inkrider_lite.requirements.parser import logical_lines

TOP = "/drive/folder/requirements.txt"


def reader(files: dict[str, str]) -> Callable[[str], str]:
    def read_text(path: str) -> str:
        try:
            return files[path]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory", path) from None

    return read_text


def parse(
    text: str,
    files: dict[str, str] | None = None,
    environment: dict[str, str] | None = None,
) -> ParsedRequirements:
    files = {TOP: text, **(files or {})}
    return parse_requirements(TOP, reader(files), root="/drive", environment=environment)


def only_requirement(text: str) -> Requirement:
    parsed = parse(text)
    assert parsed.problems == (), parsed.problems
    assert len(parsed.requirements) == 1, parsed.requirements
    return parsed.requirements[0]


def only_problem(text: str, files: dict[str, str] | None = None) -> Problem:
    parsed = parse(text, files)
    assert parsed.requirements == (), parsed.requirements
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


# --- comments, blank lines, whitespace, continuations --------------------------------------------


def test_comments_and_blank_lines() -> None:
    parsed = parse(
        "# a comment at line start\n"
        "\n"
        "   \n"
        "    # an indented comment\n"
        "six==1.16.0  # a comment after a requirement\n"
        "attrs>=23\t# after a tab\n"
        "#requests\n"
    )
    assert [(r.line, r.name, r.specifier, r.text) for r in parsed.requirements] == [
        (5, "six", "==1.16.0", "six==1.16.0"),
        (6, "attrs", ">=23", "attrs>=23"),
    ]
    assert parsed.problems == ()


def test_hash_sign_without_whitespace_is_not_a_comment() -> None:
    # pip: only "#" at line start or after whitespace starts a comment.
    problem = only_problem("six==1.0#comment\n")
    assert problem.line == 1
    assert problem.text == "six==1.0#comment"
    assert problem.reason.startswith("not a valid requirement")


def test_whitespace_edge_cases() -> None:
    parsed = parse(
        "\ufeffsix\r\n"
        "   attrs  \r\n"
        "\tDjango >= 4.2 , < 5\t\n"
        "pkg [ a , b ] == 1.0\n"
        'idna ;python_version>"3"\n'
    )
    assert parsed.problems == ()
    assert [(r.line, r.name, r.specifier, r.extras) for r in parsed.requirements] == [
        (1, "six", "", ()),
        (2, "attrs", "", ()),
        (3, "Django", "<5,>=4.2", ()),
        (4, "pkg", "==1.0", ("a", "b")),
        (5, "idna", "", ()),
    ]
    assert parsed.requirements[1].text == "attrs"


def test_continuation_reports_first_physical_line() -> None:
    parsed = parse("six\nattrs\\\n>=23,\\\n<24\nidna\n")
    assert [(r.line, r.name, r.specifier, r.text) for r in parsed.requirements] == [
        (1, "six", "", "six"),
        (2, "attrs", "<24,>=23", "attrs>=23,<24"),
        (5, "idna", "", "idna"),
    ]


def test_continuation_problem_line_number() -> None:
    problem = only_problem("# header\nfoo \\\n   ==\n")
    assert problem.line == 2
    assert problem.text == "foo    =="


def test_comment_line_ends_a_continuation() -> None:
    # pip's join_lines: a comment is never continued, and it ends the line before it.
    parsed = parse("six \\\n# a comment \\\n==1.0\n")
    assert [(r.line, r.text) for r in parsed.requirements] == [(1, "six")]
    assert [(p.line, p.text) for p in parsed.problems] == [(3, "==1.0")]


def test_backslash_at_end_of_file_and_backslash_before_whitespace() -> None:
    assert logical_lines("six \\") == [(1, "six")]
    # A backslash followed by a space is no continuation, so the backslash stays in the line.
    problem = only_problem("six \\ \n")
    assert (problem.line, problem.text) == (1, "six \\")


def test_logical_lines_match_pip() -> None:
    text = "a \\\n  b\n\n#c\n d # e\n"
    assert logical_lines(text) == [(1, "a   b"), (5, "d")]


# --- names, specifiers, extras, markers ----------------------------------------------------------


def test_name_with_specifier_and_extras() -> None:
    requirement = only_requirement("Requests[socks,security]>=2.31,<3\n")
    assert requirement == Requirement(
        file=TOP,
        line=1,
        text="Requests[socks,security]>=2.31,<3",
        kind="name",
        name="Requests",
        specifier="<3,>=2.31",
        extras=("security", "socks"),
    )
    assert requirement.key == "requests"
    assert requirement.location == f"{TOP}:1"


@pytest.mark.parametrize(
    "marker",
    [
        'sys_platform == "emscripten"',
        'platform_system == "Emscripten"',
        'platform_machine == "wasm32"',
        'implementation_name == "cpython"',
        'python_version >= "3.14"',
        'python_full_version == "3.14.2"',
        'os_name == "posix"',
        'python_version >= "3.10" and sys_platform != "win32"',
    ],
)
def test_true_marker_keeps_the_line(marker: str) -> None:
    requirement = only_requirement(f"pkg; {marker}\n")
    assert requirement.name == "pkg"
    assert requirement.marker is not None


@pytest.mark.parametrize(
    "marker",
    [
        'sys_platform == "win32"',
        'sys_platform == "linux"',
        'python_version < "3.10"',
        'platform_machine == "x86_64"',
        'platform_system == "Darwin"',
        'implementation_name == "pypy"',
        'extra == "test"',
    ],
)
def test_false_marker_skips_the_line(marker: str) -> None:
    parsed = parse(f"six\npkg; {marker}\n")
    assert [r.name for r in parsed.requirements] == ["six"]
    assert parsed.problems == ()
    assert [(r.line, r.name, r.marker) for r in parsed.skipped] == [(2, "pkg", marker)]


def test_environment_can_be_overridden() -> None:
    parsed = parse('pkg; python_version < "3.15"\n', environment={"python_version": "3.15"})
    assert parsed.requirements == ()
    assert len(parsed.skipped) == 1
    assert BROWSER_ENVIRONMENT["python_version"] == "3.14"


def test_marker_on_url_and_path_lines() -> None:
    parsed = parse(
        'https://h/a-1.0-py3-none-any.whl ; sys_platform == "emscripten"\n'
        'https://h/b-1.0-py3-none-any.whl; sys_platform == "win32"\n'
        './w/c-1.0-py3-none-any.whl;python_version<"3"\n'
    )
    assert parsed.problems == ()
    assert [r.name for r in parsed.requirements] == ["a"]
    assert [r.name for r in parsed.skipped] == ["b", "c"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("foo>=1 bar", 'at "bar"'),
        ("foo[", "at"),
        ("foo @", "at the end"),
        ("foo; bogus == '1'", "at \"bogus == '1'\""),
    ],
)
def test_invalid_requirement_has_a_readable_reason(text: str, where: str) -> None:
    problem = only_problem(f"{text}\n")
    assert problem.text == text
    assert problem.reason.startswith("not a valid requirement: Expected")
    assert where in problem.reason
    assert "\n" not in problem.reason and "^" not in problem.reason
    assert "Write NAME" in problem.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("foo==", 'no version after "==". Write foo==VERSION, or foo alone for any version.'),
        ("foo[x] >= ; python_version > '3'", 'no version after ">=". Write foo>=VERSION'),
        ("requests>=2,<", 'no version after "<": add one, or remove it.'),
        ("numpy=1.26", 'a single "=". Write numpy==1.26 for exactly that version.'),
        ("numpy = 1.26 ; sys_platform == 'linux'", "Write numpy==1.26 for exactly"),
        ("six attrs", "one requirement per line"),
    ],
)
def test_common_mistakes_are_said_plainly(text: str, reason: str) -> None:
    """Where packaging's parser says what it expected at which token ("Expected semicolon
    (after name with no version specifier) or end" for `foo==`)."""
    problem = only_problem(f"{text}\n")
    assert problem.reason.startswith("not a valid requirement: ")
    assert reason in problem.reason and "Expected" not in problem.reason


def test_invalid_line_does_not_fail_the_rest() -> None:
    parsed = parse("six\nfoo==\nattrs\n")
    assert [r.name for r in parsed.requirements] == ["six", "attrs"]
    assert [p.line for p in parsed.problems] == [2]


# --- wheel URLs and paths ------------------------------------------------------------------------


def test_direct_wheel_url() -> None:
    requirement = only_requirement("https://example.org/f/tiny_pkg-1.0-py3-none-any.whl\n")
    assert (requirement.kind, requirement.name, requirement.version) == ("url", "tiny-pkg", "1.0")
    assert requirement.url == "https://example.org/f/tiny_pkg-1.0-py3-none-any.whl"
    assert requirement.path is None


def test_named_wheel_url_with_extras_and_marker() -> None:
    requirement = only_requirement(
        'Tiny[x] @ https://h/tiny-2.0-py3-none-any.whl ; sys_platform == "emscripten"\n'
    )
    assert (requirement.kind, requirement.name, requirement.extras) == ("url", "Tiny", ("x",))
    assert requirement.url == "https://h/tiny-2.0-py3-none-any.whl"
    assert requirement.version == "2.0"


def test_named_wheel_url_must_match_the_wheel() -> None:
    problem = only_problem("other @ https://h/tiny-2.0-py3-none-any.whl\n")
    assert "names other but the wheel is tiny" in problem.reason


@pytest.mark.parametrize(
    "line",
    [
        "https://h/tiny-1.0-py3-none-any.whl#egg=tiny",
        "https://h/tiny-1.0-py3-none-any.whl#egg=tiny&subdirectory=x",
        "tiny @ https://h/tiny-1.0-py3-none-any.whl#egg=tiny",
    ],
)
def test_egg_fragment_is_dropped(line: str) -> None:
    requirement = only_requirement(line + "\n")
    assert requirement.url == "https://h/tiny-1.0-py3-none-any.whl"


def test_url_extras_pip_style() -> None:
    requirement = only_requirement("https://h/tiny-1.0-py3-none-any.whl[a,b]\n")
    assert requirement.extras == ("a", "b")
    assert requirement.url == "https://h/tiny-1.0-py3-none-any.whl"


def test_url_query_and_percent_encoding() -> None:
    requirement = only_requirement("https://h/dl/tiny%5Fx-1.0-py3-none-any.whl?token=1\n")
    assert requirement.name == "tiny-x"
    assert requirement.url == "https://h/dl/tiny%5Fx-1.0-py3-none-any.whl?token=1"


def test_relative_wheel_path_is_resolved_against_the_file() -> None:
    requirement = only_requirement("./wheels/tiny-1.0-py3-none-any.whl\n")
    assert requirement.kind == "path"
    assert requirement.path == "/drive/folder/wheels/tiny-1.0-py3-none-any.whl"
    assert (requirement.name, requirement.version, requirement.url) == ("tiny", "1.0", None)


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("tiny-1.0-py3-none-any.whl", "/drive/folder/tiny-1.0-py3-none-any.whl"),
        ("wheels/tiny-1.0-py3-none-any.whl", "/drive/folder/wheels/tiny-1.0-py3-none-any.whl"),
        ("../shared/tiny-1.0-py3-none-any.whl", "/drive/shared/tiny-1.0-py3-none-any.whl"),
        ("/drive/other/tiny-1.0-py3-none-any.whl", "/drive/other/tiny-1.0-py3-none-any.whl"),
        ("file:///drive/w/tiny-1.0-py3-none-any.whl", "/drive/w/tiny-1.0-py3-none-any.whl"),
        ("tiny @ file:///drive/w/tiny-1.0-py3-none-any.whl", "/drive/w/tiny-1.0-py3-none-any.whl"),
        ("./w/./x/../tiny-1.0-py3-none-any.whl[e]", "/drive/folder/w/tiny-1.0-py3-none-any.whl"),
    ],
)
def test_wheel_paths(line: str, path: str) -> None:
    requirement = only_requirement(line + "\n")
    assert (requirement.kind, requirement.path) == ("path", path)


@pytest.mark.parametrize(
    "line",
    [
        "../../etc/tiny-1.0-py3-none-any.whl",
        "/etc/tiny-1.0-py3-none-any.whl",
        "file:///tmp/tiny-1.0-py3-none-any.whl",
    ],
)
def test_paths_may_not_escape_the_root(line: str) -> None:
    problem = only_problem(line + "\n")
    assert "outside the folder /drive" in problem.reason


def test_root_defaults_to_the_folder_of_the_file() -> None:
    files = {TOP: "../shared/tiny-1.0-py3-none-any.whl\n"}
    parsed = parse_requirements(TOP, reader(files))
    assert parsed.root == "/drive/folder"
    assert "outside the folder /drive/folder" in parsed.problems[0].reason


def test_relative_paths_with_a_relative_root() -> None:
    files = {"folder/requirements.txt": "./w/tiny-1.0-py3-none-any.whl\n-r ../common.txt\n"}
    files["common.txt"] = "six\n"
    parsed = parse_requirements("folder/requirements.txt", reader(files), root="")
    assert parsed.root == "."
    assert parsed.requirements[0].path == "folder/w/tiny-1.0-py3-none-any.whl"
    assert parsed.requirements[1].file == "common.txt"


@pytest.mark.parametrize(
    "line",
    [
        "https://h/lib-1.0.tar.gz",
        "https://h/lib-1.0.zip",
        "lib @ https://h/lib-1.0.tar.gz",
        "./dist/lib-1.0.tar.gz",
        "lib-1.0.zip",
    ],
)
def test_sdists_are_problems(line: str) -> None:
    problem = only_problem(line + "\n")
    assert "source distribution" in problem.reason
    assert "only install wheels" in problem.reason


@pytest.mark.parametrize("line", [".", "./src", "../project/"])
def test_project_folders_are_problems(line: str) -> None:
    problem = only_problem(line + "\n")
    assert "not a wheel (.whl)" in problem.reason
    assert "pip wheel" in problem.reason


def test_url_that_is_not_a_wheel() -> None:
    problem = only_problem("https://h/simple/tiny/\n")
    assert "does not point to a wheel" in problem.reason


@pytest.mark.parametrize(
    "file_name",
    [
        "tiny-1.0-py3-none-any.whl",
        "tiny-1.0-py2.py3-none-any.whl",
        "fast-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
        "fast-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
        "fast-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl",
    ],
)
def test_browser_compatible_wheels(file_name: str) -> None:
    assert only_requirement(f"./w/{file_name}\n").kind == "path"
    assert only_requirement(f"https://h/{file_name}\n").kind == "url"


@pytest.mark.parametrize(
    ("file_name", "platform"),
    [
        ("numpy-2.0-cp314-cp314-manylinux_2_17_x86_64.whl", "manylinux_2_17_x86_64"),
        ("numpy-2.0-cp314-cp314-win_amd64.whl", "win_amd64"),
        ("numpy-2.0-cp314-cp314-macosx_11_0_arm64.whl", "macosx_11_0_arm64"),
        ("numpy-2.0-cp314-cp314-musllinux_1_2_aarch64.whl", "musllinux_1_2_aarch64"),
        (
            "numpy-2.0-cp314-cp314-manylinux1_x86_64.manylinux2014_x86_64.whl",
            "manylinux1_x86_64, manylinux2014_x86_64",
        ),
    ],
)
def test_platform_wheels_without_a_browser_build(file_name: str, platform: str) -> None:
    for line in (f"./w/{file_name}", f"https://h/{file_name}", f"numpy @ https://h/{file_name}"):
        problem = only_problem(line + "\n")
        assert f"built for {platform}" in problem.reason
        assert "pyemscripten_2026_0_wasm32" in problem.reason
        assert "pure-Python wheel" in problem.reason


def test_invalid_wheel_file_name() -> None:
    problem = only_problem("./wheels/foo.whl\n")
    assert problem.reason.startswith("not a valid wheel file name")


@pytest.mark.parametrize(
    "line",
    [
        "git+https://github.com/a/b.git#egg=b",
        "git+ssh://git@github.com/a/b.git@v1#egg=b",
        "b @ git+https://github.com/a/b.git@main",
        "hg+https://hg.example.org/b#egg=b",
        "svn+svn://svn.example.org/b#egg=b",
    ],
)
def test_vcs_urls_are_problems(line: str) -> None:
    problem = only_problem(line + "\n")
    assert problem.reason.startswith("VCS URLs need git and a build step")


def test_other_schemes_are_problems() -> None:
    assert "ftp: links are not supported" in only_problem("ftp://h/t-1-py3-none-any.whl").reason


@pytest.mark.parametrize(
    "line",
    [
        "https://h/tiny-1.0-py3-none-any.whl#sha256=abc",
        "tiny @ https://h/tiny-1.0-py3-none-any.whl#md5=abc",
    ],
)
def test_hash_fragments_are_problems(line: str) -> None:
    assert "hash-checking mode is not supported" in only_problem(line + "\n").reason


# --- options -------------------------------------------------------------------------------------


def test_index_urls_in_order() -> None:
    parsed = parse(
        "--extra-index-url https://extra.example/one\n"
        "-i https://index.example/simple\n"
        "--extra-index-url=https://extra.example/two\n"
        "--index-url=https://index.example/second\n"
        "six\n"
    )
    assert parsed.index_urls == ("https://index.example/simple", "https://index.example/second")
    assert parsed.extra_index_urls == ("https://extra.example/one", "https://extra.example/two")
    assert parsed.problems == ()
    assert [r.name for r in parsed.requirements] == ["six"]


def test_short_option_with_attached_value() -> None:
    parsed = parse("-ihttps://index.example/simple\n")
    assert parsed.index_urls == ("https://index.example/simple",)


def test_several_options_on_one_line() -> None:
    parsed = parse("--pre --no-index -i https://i.example/\n")
    assert parsed.flags == {"pre", "no-index"}
    assert parsed.index_urls == ("https://i.example/",)


def test_flags() -> None:
    parsed = parse("--pre\n--no-deps\nsix\n")
    assert parsed.flags == {"pre", "no-deps"}
    assert parsed.pre is True
    assert parsed.deps is False
    assert parse("six\n").pre is False
    assert parse("six\n").deps is True


def test_options_keep_their_lines() -> None:
    """Where each file-wide option was set, e.g. for the site build to report on it."""
    parsed = parse(
        "six\n--pre --no-index -i https://i.example/\n-r more.txt\n",
        {"/drive/folder/more.txt": "--extra-index-url=https://x.example/\n"},
    )
    assert [(o.location, o.name, o.value) for o in parsed.options] == [
        (f"{TOP}:2", "--pre", None),
        (f"{TOP}:2", "--no-index", None),
        (f"{TOP}:2", "--index-url", "https://i.example/"),
        ("/drive/folder/more.txt:1", "--extra-index-url", "https://x.example/"),
    ]
    assert parsed.options[0].text == "--pre --no-index -i https://i.example/"
    assert parse("six\n").options == ()


@pytest.mark.parametrize("line", ["-e .", "-e git+https://h/b.git#egg=b", "--editable=./src"])
def test_editables_are_problems(line: str) -> None:
    problem = only_problem(f"{line}\n")
    assert problem.reason.startswith("editable installs need a local source tree")
    assert "wheel" in problem.reason


def test_hash_options_are_problems_and_keep_the_first_line_number() -> None:
    parsed = parse(
        "six\nattrs==23.2.0 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\nidna\n"
    )
    assert [r.name for r in parsed.requirements] == ["six", "idna"]
    (problem,) = parsed.problems
    assert problem.line == 2
    assert problem.text.startswith("attrs==23.2.0")
    assert problem.reason == (
        "hash-checking mode is not supported by micropip; remove the hash or install from the "
        "site's index"
    )


def test_hash_after_a_tab() -> None:
    assert "hash-checking" in only_problem("six==1\t--hash=sha256:abc\n").reason


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("--require-hashes", "remove --require-hashes"),
        ("-f https://h/links.html", "find-links"),
        ("--find-links=./wheels", "find-links"),
        ("--no-binary :all:", "only wheels"),
    ],
)
def test_options_the_browser_cannot_honour(line: str, words: str) -> None:
    parsed = parse(f"{line}\nsix\n")
    assert [r.name for r in parsed.requirements] == ["six"]
    (problem,) = parsed.problems
    assert (problem.line, problem.text) == (1, line)
    assert words in problem.reason


@pytest.mark.parametrize(
    "line",
    [
        "--only-binary :all:",
        "--prefer-binary",
        "--trusted-host example.org",
        "--use-feature truststore",
        "--config-settings key=value",
    ],
)
def test_harmless_options_are_ignored_with_a_note(line: str) -> None:
    parsed = parse(f"{line}\nsix\n")
    assert parsed.problems == ()
    assert [r.name for r in parsed.requirements] == ["six"]
    (note,) = parsed.ignored
    assert note.line == 1
    assert "has no effect" in note.reason


def test_per_requirement_build_options_keep_the_requirement() -> None:
    parsed = parse('six --config-settings="--build-option=--x" --global-option="--y"\n')
    assert [r.name for r in parsed.requirements] == ["six"]
    assert [n.reason.split()[0] for n in parsed.ignored] == ["--config-settings", "--global-option"]


def test_global_option_after_a_requirement_is_ignored_like_pip() -> None:
    parsed = parse("six --pre\n")
    assert [r.name for r in parsed.requirements] == ["six"]
    assert parsed.flags == frozenset()
    assert "put it on a line of its own" in parsed.ignored[0].reason


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("--bogus", "unknown option --bogus"),
        ("-x", "unknown option -x"),
        ("six --bogus=1", "unknown option --bogus=1"),
        ("-r", "--requirement needs a value"),
        ("--index-url", "--index-url needs a value"),
        ("--pre=yes", "--pre takes no value"),
        ("-r a.txt b.txt", "unexpected 'b.txt'"),
        ('--trusted-host "unbalanced', "check the quotes"),
    ],
)
def test_bad_options(line: str, words: str) -> None:
    parsed = parse(f"{line}\nsix\n")
    assert [r.name for r in parsed.requirements] == ["six"]
    (problem,) = parsed.problems
    assert words in problem.reason


def test_environment_variables_are_problems() -> None:
    parsed = parse("--index-url https://${TOKEN}@h/simple\nsix\n")
    assert parsed.index_urls == ()
    assert "${TOKEN} are not available in the browser" in parsed.problems[0].reason


# --- includes and constraints --------------------------------------------------------------------


def test_nested_includes_are_relative_to_the_including_file() -> None:
    files = {
        "/drive/folder/sub/base.txt": "attrs\n-r ../../common/more.txt\n./w/a-1-py3-none-any.whl\n",
        "/drive/common/more.txt": "# more\n\nidna\n",
    }
    parsed = parse("six\n-r sub/base.txt\nsix-extra\n", files)
    assert parsed.problems == ()
    assert [(r.file, r.line, r.name) for r in parsed.requirements] == [
        (TOP, 1, "six"),
        ("/drive/folder/sub/base.txt", 1, "attrs"),
        ("/drive/common/more.txt", 3, "idna"),
        ("/drive/folder/sub/base.txt", 3, "a"),
        (TOP, 3, "six-extra"),
    ]
    assert parsed.requirements[3].path == "/drive/folder/sub/w/a-1-py3-none-any.whl"
    assert parsed.files == (TOP, "/drive/folder/sub/base.txt", "/drive/common/more.txt")


@pytest.mark.parametrize(
    "line", ["--requirement other.txt", "--requirement=other.txt", "-rother.txt"]
)
def test_include_spellings(line: str) -> None:
    parsed = parse(f"{line}\n", {"/drive/folder/other.txt": "six\n"})
    assert [r.name for r in parsed.requirements] == ["six"]


def test_include_cycle_is_a_clear_problem() -> None:
    files = {
        "/drive/folder/a.txt": "attrs\n-r b.txt\n",
        "/drive/folder/b.txt": "idna\n-r ./a.txt\n",
    }
    parsed = parse("six\n-r a.txt\n", files)
    assert [r.name for r in parsed.requirements] == ["six", "attrs", "idna"]
    (problem,) = parsed.problems
    assert (problem.file, problem.line, problem.text) == ("/drive/folder/b.txt", 2, "-r ./a.txt")
    assert problem.reason == (
        "include cycle: /drive/folder/a.txt → /drive/folder/b.txt → /drive/folder/a.txt; "
        "remove one of these -r/-c lines"
    )


def test_self_include() -> None:
    problem = only_problem("-r requirements.txt\n")
    assert problem.reason.startswith(f"include cycle: {TOP} → {TOP};")


def test_including_a_file_twice_is_no_cycle() -> None:
    files = {"/drive/folder/a.txt": "-r c.txt\n", "/drive/folder/c.txt": "six\n"}
    parsed = parse("-r a.txt\n-r c.txt\n", files)
    assert parsed.problems == ()
    assert [r.name for r in parsed.requirements] == ["six", "six"]


def test_missing_include() -> None:
    parsed = parse("-r missing.txt\nsix\n")
    assert [r.name for r in parsed.requirements] == ["six"]
    (problem,) = parsed.problems
    assert problem.reason.startswith("cannot read /drive/folder/missing.txt (FileNotFoundError")
    assert "relative to this file's folder" in problem.reason


def test_any_read_error_of_an_include_is_a_problem() -> None:
    def read_text(path: str) -> str:
        if path == TOP:
            return "-r other.txt\nsix\n"
        raise RuntimeError("the drive is not ready")

    parsed = parse_requirements(TOP, read_text)
    assert [r.name for r in parsed.requirements] == ["six"]
    assert "(RuntimeError: the drive is not ready)" in parsed.problems[0].reason


def test_include_outside_the_root_or_from_a_url() -> None:
    parsed = parse("-r ../../etc/passwd\n-r https://h/requirements.txt\n")
    assert "outside the folder /drive" in parsed.problems[0].reason
    assert "from URLs are not supported" in parsed.problems[1].reason


def test_top_level_file_errors_propagate() -> None:
    with pytest.raises(FileNotFoundError):
        parse_requirements("/drive/none/requirements.txt", reader({}), root="/drive")
    with pytest.raises(ValueError, match="outside the content root"):
        parse_requirements("/etc/requirements.txt", reader({}), root="/drive")


def test_constraints_are_applied_not_installed() -> None:
    files = {
        "/drive/folder/constraints.txt": (
            "attrs<24\n"
            'idna==3.7; sys_platform == "emscripten"\n'
            'six<1; sys_platform == "win32"\n'
            "tiny @ https://h/tiny-1.0-py3-none-any.whl\n"
            "./w/small-2.0-py3-none-any.whl\n"
            "-r more.txt\n"
        ),
        "/drive/folder/more.txt": "httpx\n",
    }
    parsed = parse("-c constraints.txt\nattrs\n", files)
    assert parsed.problems == ()
    assert [(c.name, c.specifier, c.kind, c.constraint) for c in parsed.constraints] == [
        ("attrs", "<24", "name", True),
        ("idna", "==3.7", "name", True),
        ("tiny", "", "url", True),
        ("small", "", "path", True),
    ]
    # As in pip, -r inside a constraints file still yields requirements.
    assert [(r.name, r.constraint) for r in parsed.requirements] == [
        ("httpx", False),
        ("attrs", False),
    ]
    assert [(s.name, s.constraint) for s in parsed.skipped] == [("six", True)]


def test_bad_constraints() -> None:
    files = {"/drive/folder/c.txt": "attrs[tests]<24\nidna\n-e .\n"}
    parsed = parse("--constraint=c.txt\n", files)
    assert parsed.constraints == ()
    assert [(p.line, p.reason.split(";")[0]) for p in parsed.problems] == [
        (1, "constraints cannot have [extras]"),
        (2, "has no effect: a constraint needs a version specifier or a wheel link"),
        (3, "editable installs need a local source tree and a build step"),
    ]


# --- data model ----------------------------------------------------------------------------------


def test_problem_text() -> None:
    problem = Problem("/drive/f/requirements.txt", 3, "-e .", "editable installs ...")
    assert str(problem) == "/drive/f/requirements.txt, line 3: -e .\n    editable installs ..."
    assert problem.location == "/drive/f/requirements.txt:3"


def test_a_realistic_file() -> None:
    text = """\
# Packages for the notebooks in this folder.
--index-url https://pypi.example/simple   # our mirror
--extra-index-url https://extra.example/simple

requests>=2.31,<3      # HTTP
attrs[tests] \\
    >= 23
pywin32 ; sys_platform == "win32"
tomli ; python_version < "3.11"
https://h/tiny-1.0-py3-none-any.whl#egg=tiny
./wheels/local_pkg-0.1-py3-none-any.whl
-e .
numpy==2.1 --hash=sha256:0123
"""
    parsed = parse(text)
    assert [(r.line, r.kind, r.name) for r in parsed.requirements] == [
        (5, "name", "requests"),
        (6, "name", "attrs"),
        (10, "url", "tiny"),
        (11, "path", "local-pkg"),
    ]
    assert [s.line for s in parsed.skipped] == [8, 9]
    assert [p.line for p in parsed.problems] == [12, 13]
    assert parsed.index_urls == ("https://pypi.example/simple",)
    assert parsed.extra_index_urls == ("https://extra.example/simple",)
