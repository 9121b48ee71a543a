"""Same input, same people: two builds of one archive must agree."""
import json
import os
import subprocess
import sys

from indexer import people
from tests.conftest import ROOT

BODY = ("George Bush met Laura Bush and Jeb Bush in Texas. Bush said the talks went well. "
        "Laura Bush spoke next. Bush thanked the crowd.")


def _ents(body, names):
    out = []
    for n in names:
        i = body.index(n)
        out.append(("body", i, i + len(n), n, "PERSON"))
    return out


def _run(body, names):
    found = people.people({"title": "", "body": body}, _ents(body, names))
    return sorted((e.key, [(m.start, m.end) for m in e.mentions]) for e in found)


def test_shared_surname_goes_to_the_person_named_last_before_it():
    found = dict(_run(BODY, ["George Bush", "Laura Bush", "Jeb Bush"]))
    said = BODY.index("Bush said")
    thanked = BODY.index("Bush thanked")
    assert (said, said + 4) in found["Jeb Bush"]
    assert (thanked, thanked + 4) in found["Laura Bush"]


def test_people_do_not_depend_on_the_process_hash_seed():
    """Python salts string hashes per process (and the NER helpers are other
    processes), so set order must never decide who a name belongs to."""
    code = ("import json, sys; from tests.test_people_determinism import _run, BODY; "
            "print(json.dumps(_run(BODY, ['George Bush', 'Laura Bush', 'Jeb Bush'])))")
    outputs = set()
    for seed in range(5):
        env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(ROOT))
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        outputs.add(out)
    assert len(outputs) == 1, outputs
    assert json.loads(outputs.pop())
