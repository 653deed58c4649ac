"""What micropip has to do for a parsed requirements file, in one call.

One call, because micropip resolves one transaction at a time and several calls would resolve
dependencies several times. Every entry of the call keeps the lines that asked for it, so that
a failure can be reported against the author's file.

Lines for a package that the kernel already has are left out when the installed version is
allowed: micropip would refuse to replace a package in use anyway (it raises "already
installed" unless told to reinstall), so an installed version that is not allowed becomes a
conflict for its line instead of failing the whole call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from .parser import ParsedRequirements, Problem, Requirement


@dataclass(frozen=True)
class InstallItem:
    """One entry of the micropip call and the lines that asked for it."""

    requirement: str  # the string given to micropip
    name: NormalizedName
    sources: tuple[Requirement, ...]


@dataclass(frozen=True)
class Satisfied:
    requirement: Requirement
    installed_version: str


@dataclass(frozen=True)
class InstallPlan:
    parsed: ParsedRequirements
    items: tuple[InstallItem, ...] = ()
    satisfied: tuple[Satisfied, ...] = ()
    conflicts: tuple[Problem, ...] = ()
    constraints: tuple[str, ...] = ()
    index_urls: tuple[str, ...] | None = None  # None: the caller's default index
    pre: bool = False
    deps: bool = True

    @property
    def requirements(self) -> list[str]:
        return [item.requirement for item in self.items]

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Everything the author should hear about: lines not applied, then conflicts."""
        return self.parsed.problems + self.conflicts

    def sources_of(self, requirement: str) -> tuple[Requirement, ...]:
        """The lines behind one entry of the call, for reporting micropip's errors."""
        for item in self.items:
            if item.requirement == requirement:
                return item.sources
        return ()

    def micropip_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``micropip.install``, or an empty dict when nothing is to do."""
        if not self.items:
            return {}
        arguments: dict[str, Any] = {
            "requirements": self.requirements,
            "pre": self.pre,
            "deps": self.deps,
            # One missing package should not hide the others: micropip then reports them all.
            "keep_going": True,
        }
        if self.constraints:
            arguments["constraints"] = list(self.constraints)
        if self.index_urls is not None:
            arguments["index_urls"] = list(self.index_urls)
        return arguments


def install_plan(
    parsed: ParsedRequirements,
    installed: Mapping[str, str],
    *,
    default_index_urls: Sequence[str] | None = None,
    wheel_path_url: Callable[[str], str] | None = None,
) -> InstallPlan:
    """Decide the micropip call for ``parsed`` in a kernel that has ``installed`` (name → version).

    ``default_index_urls`` is the index the kernel uses when the file names none; it is needed
    only to keep that index when the file adds ``--extra-index-url``, as pip does.
    ``wheel_path_url`` turns a wheel's path into what micropip fetches; the default is
    ``emfs:PATH``, the kernel's own file system, and a caller that serves the contents over HTTP
    can give URLs instead.
    """
    locate = _locator(wheel_path_url)
    have = {canonicalize_name(name): version for name, version in installed.items()}
    constraint_specs = {
        c.key: SpecifierSet(c.specifier) for c in parsed.constraints if c.kind == "name"
    }
    groups: dict[NormalizedName, list[Requirement]] = {}
    for requirement in parsed.requirements:
        groups.setdefault(requirement.key, []).append(requirement)

    items: list[InstallItem] = []
    satisfied: list[Satisfied] = []
    conflicts: list[Problem] = []
    for key, group in groups.items():
        wheels = [r for r in group if r.kind != "name"]
        if wheels:
            named = [r for r in group if r.kind == "name"]
            item, clashes = _wheel_item(key, wheels, named, locate)
            items.append(item)
            conflicts.extend(clashes)
            continue
        specifier = SpecifierSet()
        for requirement in group:
            specifier &= SpecifierSet(requirement.specifier)
        extras = sorted({extra for r in group for extra in r.extras})
        version = have.get(key)
        if version is not None:
            allowed = specifier & constraint_specs.get(key, SpecifierSet())
            if not _allows(allowed, version):
                conflicts.append(_installed_conflict(group[0], version, allowed))
                continue
            # Whether the extras' dependencies are there is unknown, so micropip decides.
            if not extras:
                satisfied.extend(Satisfied(r, version) for r in group)
                continue
        text = f"{group[0].name}[{','.join(extras)}]" if extras else group[0].name
        items.append(InstallItem(text + str(specifier), key, tuple(group)))

    return InstallPlan(
        parsed=parsed,
        items=tuple(items),
        satisfied=tuple(satisfied),
        conflicts=tuple(conflicts),
        constraints=tuple(_constraint_string(c, locate) for c in parsed.constraints),
        index_urls=_index_urls(parsed, default_index_urls),
        pre=parsed.pre,
        deps=parsed.deps,
    )


def summarize(plan: InstallPlan) -> str:
    """One line for a notification: "Installing 4 packages from folder/requirements.txt"."""
    where = _display_path(plan.parsed.file, plan.parsed.root)
    count = len(plan.items)
    if count:
        text = f"Installing {count} package{'s' if count != 1 else ''} from {where}"
    elif plan.satisfied:
        text = f"Nothing to install from {where}: everything is already installed"
    else:
        text = f"Nothing to install from {where}"
    notes: list[str] = []
    if plan.satisfied and count:
        notes.append(f"{len(plan.satisfied)} already installed")
    if plan.parsed.skipped:
        notes.append(f"{len(plan.parsed.skipped)} skipped by markers")
    if plan.problems:
        problems = len(plan.problems)
        notes.append(f"{problems} problem{'s' if problems != 1 else ''}")
    return f"{text} ({', '.join(notes)})" if notes else text


def micropip_location(
    requirement: Requirement, wheel_path_url: Callable[[str], str] | None = None
) -> str:
    """The wheel as micropip names it: its URL, or ``emfs:`` and its path in the kernel."""
    if requirement.url is not None:
        return requirement.url
    if requirement.path is not None:
        return wheel_path_url(requirement.path) if wheel_path_url else f"emfs:{requirement.path}"
    raise ValueError(f"{requirement.text} is not a wheel link")


def _locator(wheel_path_url: Callable[[str], str] | None) -> Callable[[Requirement], str]:
    return lambda requirement: micropip_location(requirement, wheel_path_url)


def _wheel_item(
    key: NormalizedName,
    wheels: list[Requirement],
    named: list[Requirement],
    locate: Callable[[Requirement], str],
) -> tuple[InstallItem, list[Problem]]:
    """The first wheel link wins; other links and incompatible specifiers are conflicts."""
    primary = wheels[0]
    location = locate(primary)
    sources = [primary]
    clashes: list[Problem] = []
    for other in wheels[1:]:
        if locate(other) == location:
            sources.append(other)
        else:
            clashes.append(
                _problem(
                    other,
                    f"{primary.name} is already given as {_wheel_name(primary)} on "
                    f"{primary.location}; list one wheel per package",
                )
            )
    for requirement in named:
        if primary.version is not None and _allows(
            SpecifierSet(requirement.specifier), primary.version
        ):
            sources.append(requirement)
        else:
            clashes.append(
                _problem(
                    requirement,
                    f"asks for {requirement.name}{requirement.specifier}, but "
                    f"{primary.location} installs {_wheel_name(primary)}; make them agree",
                )
            )
    extras = sorted({extra for r in sources for extra in r.extras})
    # A bare link always installs, while "name @ link" is skipped by micropip when any version
    # is installed; the name form is used only when extras need it.
    text = f"{primary.name}[{','.join(extras)}] @ {location}" if extras else location
    ordered = tuple(sorted(sources, key=lambda r: (r.file, r.line)))
    return InstallItem(text, key, ordered), clashes


def _allows(specifier: SpecifierSet, version: str) -> bool:
    if not specifier:
        return True
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    # Like micropip and pip, an installed pre-release counts when the specifier allows it.
    return specifier.contains(parsed, prereleases=True)


def _installed_conflict(requirement: Requirement, version: str, allowed: SpecifierSet) -> Problem:
    return _problem(
        requirement,
        f"{requirement.name} {version} is already installed in this kernel and cannot be "
        f"replaced while it runs, but {allowed} is asked for; change the requirement so "
        f"that it allows {version}",
    )


def _constraint_string(constraint: Requirement, locate: Callable[[Requirement], str]) -> str:
    if constraint.kind == "name":
        return f"{constraint.name}{constraint.specifier}"
    return f"{constraint.name} @ {locate(constraint)}"


def _index_urls(
    parsed: ParsedRequirements, default: Sequence[str] | None
) -> tuple[str, ...] | None:
    if "no-index" in parsed.flags:
        # micropip with no index still finds the Pyodide lock and wheel links.
        return ()
    if parsed.index_urls:
        # pip keeps only the last --index-url it reads.
        base: tuple[str, ...] = (parsed.index_urls[-1],)
    elif parsed.extra_index_urls:
        base = tuple(default or ())
    else:
        return None
    return tuple(dict.fromkeys(base + parsed.extra_index_urls))


def _problem(requirement: Requirement, reason: str) -> Problem:
    return Problem(requirement.file, requirement.line, requirement.text, reason)


def _wheel_name(requirement: Requirement) -> str:
    location = requirement.url or requirement.path or ""
    return location.rsplit("/", 1)[-1]


def _display_path(path: str, root: str) -> str:
    if root not in ("/", ".") and path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return path
