"""inkrider_lite.requirements.plan: one micropip call for a parsed file, lines kept for errors."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from inkrider_lite.requirements import (
    InstallPlan,
    ParsedRequirements,
    install_plan,
    micropip_location,
    parse_requirements,
    summarize,
)

TOP = "/drive/folder/requirements.txt"


def parsed(text: str, files: dict[str, str] | None = None) -> ParsedRequirements:
    contents = {TOP: text, **(files or {})}
    return parse_requirements(TOP, contents.__getitem__, root="/drive")


def plan(text: str, installed: Mapping[str, str] | None = None, **kwargs: object) -> InstallPlan:
    return install_plan(parsed(text), installed or {}, **kwargs)  # type: ignore[arg-type]


def plan_with_files(text: str, files: dict[str, str], installed: Mapping[str, str]) -> InstallPlan:
    return install_plan(parsed(text, files), installed)


def test_names_specifiers_extras_urls_and_paths() -> None:
    result = plan(
        "requests>=2.31,<3\n"
        "attrs[tests]\n"
        'six; sys_platform == "emscripten"\n'
        "https://h/tiny-1.0-py3-none-any.whl#egg=tiny\n"
        "./wheels/local_pkg-0.1-py3-none-any.whl\n"
    )
    assert result.requirements == [
        "requests<3,>=2.31",
        "attrs[tests]",
        "six",
        "https://h/tiny-1.0-py3-none-any.whl",
        "emfs:/drive/folder/wheels/local_pkg-0.1-py3-none-any.whl",
    ]
    assert [item.name for item in result.items] == [
        "requests",
        "attrs",
        "six",
        "tiny",
        "local-pkg",
    ]
    assert [s.line for s in result.sources_of("six")] == [3]
    assert [s.line for s in result.sources_of("https://h/tiny-1.0-py3-none-any.whl")] == [4]
    assert result.sources_of("not-asked-for") == ()


def test_installed_versions_that_fit_are_skipped() -> None:
    result = plan(
        "six\nAttrs>=23\nidna==3.7\nhttpx\n",
        {"six": "1.16.0", "attrs": "23.2.0", "idna": "3.7", "other": "1"},
    )
    assert result.requirements == ["httpx"]
    assert [(s.requirement.name, s.installed_version) for s in result.satisfied] == [
        ("six", "1.16.0"),
        ("Attrs", "23.2.0"),
        ("idna", "3.7"),
    ]
    assert result.conflicts == ()


def test_installed_names_are_compared_canonically() -> None:
    result = plan("Foo.Bar_baz>=1\n", {"foo-bar-baz": "1.0"})
    assert result.requirements == []
    assert len(result.satisfied) == 1
    result = plan("foo-bar\n", {"Foo_Bar": "1.0"})
    assert result.requirements == []


def test_installed_prerelease_counts_like_in_micropip() -> None:
    assert plan("pkg>=1.0\n", {"pkg": "2.0rc1"}).requirements == []


def test_installed_version_outside_the_specifier_is_a_conflict() -> None:
    result = plan("six\nrequests==2.32.3\n", {"requests": "2.31.0"})
    assert result.requirements == ["six"]
    (conflict,) = result.conflicts
    assert (conflict.file, conflict.line, conflict.text) == (TOP, 2, "requests==2.32.3")
    assert conflict.reason == (
        "requests 2.31.0 is already installed in this kernel and cannot be replaced while it "
        "runs, but ==2.32.3 is asked for; change the requirement so that it allows 2.31.0"
    )
    assert result.problems == (conflict,)


def test_installed_version_that_is_not_pep440() -> None:
    assert plan("odd\n", {"odd": "not a version"}).requirements == []
    assert len(plan("odd>=1\n", {"odd": "not a version"}).conflicts) == 1


def test_requirements_with_extras_are_left_to_micropip() -> None:
    # The extras' own dependencies may be missing, which "installed" cannot tell.
    result = plan("attrs[tests]>=23\n", {"attrs": "23.2.0"})
    assert result.requirements == ["attrs[tests]>=23"]


def test_url_and_path_requirements_are_never_skipped() -> None:
    result = plan(
        "https://h/tiny-1.0-py3-none-any.whl\n./w/small-2.0-py3-none-any.whl\n",
        {"tiny": "1.0", "small": "2.0"},
    )
    assert result.requirements == [
        "https://h/tiny-1.0-py3-none-any.whl",
        "emfs:/drive/folder/w/small-2.0-py3-none-any.whl",
    ]
    assert result.satisfied == ()


def test_duplicates_are_merged_into_one_entry() -> None:
    files = {"/drive/folder/more.txt": "Attrs<25\nattrs[dev]\n"}
    result = plan_with_files("attrs>=23\n-r more.txt\n", files, {})
    assert result.requirements == ["attrs[dev]<25,>=23"]
    (item,) = result.items
    assert [(s.file, s.line) for s in item.sources] == [
        (TOP, 1),
        ("/drive/folder/more.txt", 1),
        ("/drive/folder/more.txt", 2),
    ]


def test_a_wheel_link_absorbs_names_it_satisfies() -> None:
    result = plan(
        "tiny>=1\n./w/tiny-1.2-py3-none-any.whl\ntiny[cli]\n",
    )
    assert result.requirements == ["tiny[cli] @ emfs:/drive/folder/w/tiny-1.2-py3-none-any.whl"]
    assert [s.line for s in result.items[0].sources] == [1, 2, 3]
    assert result.conflicts == ()


def test_a_wheel_link_and_a_name_that_disagree() -> None:
    result = plan("./w/tiny-1.2-py3-none-any.whl\ntiny>=2\n")
    assert result.requirements == ["emfs:/drive/folder/w/tiny-1.2-py3-none-any.whl"]
    (conflict,) = result.conflicts
    assert conflict.line == 2
    assert conflict.reason == (
        f"asks for tiny>=2, but {TOP}:1 installs tiny-1.2-py3-none-any.whl; make them agree"
    )


def test_two_wheels_for_one_package() -> None:
    result = plan(
        "https://h/tiny-1.0-py3-none-any.whl\n"
        "./w/tiny-2.0-py3-none-any.whl\n"
        "https://h/tiny-1.0-py3-none-any.whl#egg=tiny\n"
    )
    assert result.requirements == ["https://h/tiny-1.0-py3-none-any.whl"]
    assert [s.line for s in result.items[0].sources] == [1, 3]
    (conflict,) = result.conflicts
    assert conflict.line == 2
    assert "list one wheel per package" in conflict.reason


def test_constraints_go_to_micropip_and_limit_what_counts_as_installed() -> None:
    files = {
        "/drive/folder/c.txt": (
            "six<1.16\nattrs<24\ntiny @ https://h/tiny-1.0-py3-none-any.whl\n"
            "./w/small-2.0-py3-none-any.whl\n"
        )
    }
    result = plan_with_files("-c c.txt\nsix\nattrs\n", files, {"six": "1.16.0", "attrs": "23.1"})
    assert result.constraints == (
        "six<1.16",
        "attrs<24",
        "tiny @ https://h/tiny-1.0-py3-none-any.whl",
        "small @ emfs:/drive/folder/w/small-2.0-py3-none-any.whl",
    )
    assert [s.requirement.name for s in result.satisfied] == ["attrs"]
    assert [c.line for c in result.conflicts] == [2]
    assert "<1.16" in result.conflicts[0].reason


def test_micropip_arguments() -> None:
    files = {"/drive/folder/c.txt": "six<2\n"}
    result = plan_with_files("--pre\n--no-deps\n-c c.txt\nsix\n", files, {})
    assert result.micropip_arguments() == {
        "requirements": ["six"],
        "pre": True,
        "deps": False,
        "keep_going": True,
        "constraints": ["six<2"],
    }
    assert plan("six\n").micropip_arguments() == {
        "requirements": ["six"],
        "pre": False,
        "deps": True,
        "keep_going": True,
    }


def test_nothing_to_do_means_no_call() -> None:
    assert plan("six\n", {"six": "1.0"}).micropip_arguments() == {}
    assert plan("# nothing\n").micropip_arguments() == {}


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("six\n", None, None),
        ("six\n", ["https://site/pypi/"], None),
        ("-i https://a/\n-i https://b/\n", None, ("https://b/",)),
        (
            "--extra-index-url https://x/\n-i https://a/\n--extra-index-url https://a/\n",
            None,
            ("https://a/", "https://x/"),
        ),
        (
            "--extra-index-url https://x/\n",
            ["https://site/pypi/"],
            ("https://site/pypi/", "https://x/"),
        ),
        ("--extra-index-url https://x/\n", None, ("https://x/",)),
        ("--no-index\n-i https://a/\n", ["https://site/pypi/"], ()),
    ],
)
def test_index_urls(text: str, default: list[str] | None, expected: tuple[str, ...] | None) -> None:
    result = plan(text + "six\n", default_index_urls=default)
    assert result.index_urls == expected
    arguments = result.micropip_arguments()
    if expected is None:
        assert "index_urls" not in arguments
    else:
        assert arguments["index_urls"] == list(expected)


def test_wheel_paths_can_be_served_over_http() -> None:
    def served(path: str) -> str:
        return "https://site/files/" + path.removeprefix("/drive/")

    result = plan("./w/tiny-1.0-py3-none-any.whl\n", wheel_path_url=served)
    assert result.requirements == ["https://site/files/folder/w/tiny-1.0-py3-none-any.whl"]
    requirement = result.items[0].sources[0]
    assert micropip_location(requirement) == "emfs:/drive/folder/w/tiny-1.0-py3-none-any.whl"
    with pytest.raises(ValueError, match="not a wheel link"):
        micropip_location(parsed("six\n").requirements[0])


def test_problems_of_the_file_come_first() -> None:
    result = plan("-e .\nsix==2\n", {"six": "1.0"})
    assert [p.line for p in result.problems] == [1, 2]


@pytest.mark.parametrize(
    ("text", "installed", "summary"),
    [
        (
            "a\nb\nc\nd\n",
            {},
            "Installing 4 packages from folder/requirements.txt",
        ),
        ("a\n", {}, "Installing 1 package from folder/requirements.txt"),
        ("# empty\n", {}, "Nothing to install from folder/requirements.txt"),
        (
            "a\nb\n",
            {"a": "1", "b": "2"},
            "Nothing to install from folder/requirements.txt: everything is already installed",
        ),
        (
            'a\nb\nc; sys_platform == "win32"\n-e .\n',
            {"b": "1"},
            "Installing 1 package from folder/requirements.txt "
            "(1 already installed, 1 skipped by markers, 1 problem)",
        ),
        (
            "-e .\nfoo==\n",
            {},
            "Nothing to install from folder/requirements.txt (2 problems)",
        ),
    ],
)
def test_summarize(text: str, installed: dict[str, str], summary: str) -> None:
    assert summarize(plan(text, installed)) == summary


def test_summarize_outside_a_root_shows_the_whole_path() -> None:
    contents = {"requirements.txt": "six\n"}
    result = install_plan(parse_requirements("requirements.txt", contents.__getitem__), {})
    assert summarize(result) == "Installing 1 package from requirements.txt"
