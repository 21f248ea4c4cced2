"""CSV as a stream of lines, for StreamingHttpResponse: nothing buffered whole in memory."""

import csv
from collections.abc import Iterable, Iterator


class _Echo:
    """csv.writer target that hands each line back instead of buffering the whole file."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
