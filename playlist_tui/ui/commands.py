"""Every key binding of the current screen, offered in the command palette too."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class BindingsProvider(Provider):
    """Lists the bindings active on the current screen (the ones in the footer)."""

    def _commands(self) -> list[tuple[str, str, object]]:
        out: list[tuple[str, str, object]] = []
        seen: set[str] = set()
        screen = self.screen
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            if binding.action in ("command_palette",):
                continue
            seen.add(binding.action)
            shown = self.app.get_key_display(binding)
            title = f"{binding.description} ({shown})" if shown else binding.description
            out.append((title, binding.action, active.node))
            del key
        return out

    async def discover(self) -> Hits:
        for title, action, node in self._commands():
            yield DiscoveryHit(title, partial(self.app.run_action, action, node),  # type: ignore[arg-type]
                               help="key binding")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, node in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title),
                          partial(self.app.run_action, action, node),  # type: ignore[arg-type]
                          help="key binding")
