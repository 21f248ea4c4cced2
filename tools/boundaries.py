"""An import-linter contract for the one rule the built-in ones cannot say without blanket
ignores: a module's code is reached from outside only through its surface modules.

    [[tool.importlinter.contracts]]
    type = "public_surface"
    modules = ["apps.orders", ...]
    surfaces = ["public", "contracts"]

Any import of `apps.orders.models` (or any other non-surface submodule, or a name the package's
`__init__` defines) by code outside `apps.orders` breaks it. Exceptions are `ignore_imports`,
each with its reason beside it; an ignore that matches nothing is an error.
"""

from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class PublicSurfaceContract(Contract):
    type_name = "public_surface"

    modules = fields.ListField(subfield=fields.ModuleField())
    surfaces = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,
            unmatched_alerting=self.unmatched_ignore_imports_alerting,
        )
        violations = []
        for package in self.modules:
            inside = {package.name} | graph.find_descendants(package.name)
            surface = {f"{package.name}.{name}" for name in self.surfaces}
            for imported in sorted(inside - surface):
                for importer in sorted(graph.find_modules_that_directly_import(imported) - inside):
                    lines = [
                        d["line_number"]
                        for d in graph.get_import_details(importer=importer, imported=imported)
                    ]
                    violations.append((importer, imported, tuple(lines)))
        return ContractCheck(
            kept=not violations,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"violations": violations},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        surfaces = " or ".join(f"<module>.{name}" for name in self.surfaces)
        output.print_error(f"Reach another module through {surfaces} only:", bold=False)
        output.new_line()
        for importer, imported, lines in check.metadata["violations"]:
            output.print_error(f"- {importer} -> {imported} (l.{', '.join(map(str, lines))})", bold=False)
        output.new_line()
