"""The committed generated files (suites, staging models, dashboard YAML) equal what their generators write."""

from pipelines.generate import main, out_of_date


def test_generated_files_are_current(capsys):
    differ, stale = out_of_date()
    assert not differ and not stale, (
        "generated files drifted from their generators — run `.venv/bin/python -m pipelines.generate`: "
        f"{sorted(map(str, differ))} {sorted(map(str, stale))}")
    assert main(["--check"]) == 0
    assert "均为最新" in capsys.readouterr().out


def test_check_names_a_drifted_file(tmp_path, monkeypatch, capsys):
    import pipelines.generate as g

    target = tmp_path / "expectations" / "xuegong" / "aid.json"
    target.parent.mkdir(parents=True)
    target.write_text("{}", encoding="utf-8")  # a hand edit of a generated suite
    monkeypatch.setattr(g, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(g, "GENERATORS", {"suites": lambda: ({target: '{"expectations": []}\n'}, [])})
    assert main(["--check"]) == 1
    assert "expectations/xuegong/aid.json" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == "{}"  # --check never writes
