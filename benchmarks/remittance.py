"""Synthetic X12 835 remittances for the benchmarks: every name and number is a placeholder (FICTITIOUS).

``rich(count)`` is the benchmark's remittance: claims as payers send them, with a patient and a
rendering provider, claim dates, references and amounts, two or three service lines each with its
date, line control number, adjustments (a routine contractual one beside the denial) and remark
codes; about four claims in five carry a denial, across the CARCs our templates answer (189, 55, 97,
16 and others). ``simple(count)`` is one denied 76496 line per claim: the
sample letter, for the batch benchmark.
"""

from __future__ import annotations

HEADER = ("ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SYNTHPROV      *240101*1200*^*00501*000000900*0*T*:~"
          "GS*HP*SYNTHPAYER*SYNTHPROV*20240101*1200*900*X*005010X221A1~")
START = ["ST*835*0900", "BPR*I*0*C*NON************20240105", "TRN*1*SYNTH0900*1999999999",
         "DTM*405*20240105", "N1*PR*SYNTHETIC HEALTH PLAN*XV*99999", "N3*PO BOX 0000", "N4*TOWN*PA*15000",
         "PER*BL*CLAIMS*TE*5550000000", "N1*PE*EXAMPLE CLINIC*XX*1234567893", "N3*1 EXAMPLE ST",
         "N4*TOWN*PA*15000", "REF*TJ*999999999", "LX*1"]
SIMPLE_CLAIM = ["CLP*ACCT-{n:06d}*4*500.04*0**12*PCN{n:06d}*11*1",
                "NM1*QC*1*PATIENT*SYNTHETIC{n}****MI*MEMBER{n:06d}",
                "SVC*HC:76496*500.04*0**1", "DTM*472*20231201", "CAS*CO*189*500.04", "LQ*HE*M51"]
# (CARC, group, RARC, code, modifiers) of a claim's denied line; None: the claim is paid.
DENIALS = [("189", "CO", "M51", "76496", ""), ("55", "CO", "N386", "72080", ""), ("97", "CO", "M15", "76120", ":59"),
           ("16", "CO", "MA130", "99213", ""), ("50", "CO", "N115", "76496", ""), None]


def _claim(n: int) -> list[str]:
    denial = DENIALS[n % len(DENIALS)]
    day = f"202311{1 + n % 28:02d}"
    status = "1" if denial is None else ("4" if n % 7 == 0 else "1")
    segments = [f"CLP*ACCT-{n:06d}*{status}*735.04*{'0' if status == '4' else '235.00'}**12*PCN{n:06d}*11*1",
                f"NM1*QC*1*PATIENT*SYNTHETIC{n}*Q***MI*MEMBER{n:06d}",
                "NM1*82*1*DOCTOR*EXAMPLE****XX*1234567893",
                f"REF*1L*GROUP{n % 50:03d}", f"DTM*232*{day}", f"DTM*233*{day}", "AMT*AU*735.04"]
    code = denial[3] + denial[4] if denial else "99213"
    segments += [f"SVC*HC:{code}*500.04*0**1", f"DTM*472*{day}", f"REF*6R*LINE{n:06d}A"]
    if denial is None:
        segments += ["CAS*CO*45*265.04", "AMT*B6*235.00"]
    else:
        carc, group, rarc = denial[0], denial[1], denial[2]
        segments += [f"CAS*{group}*{carc}*500.04", f"LQ*HE*{rarc}"]
    segments += ["SVC*HC:76000*235.00*235.00**1", f"DTM*472*{day}", f"REF*6R*LINE{n:06d}B",
                 "CAS*CO*45*0", "AMT*B6*235.00"]
    if n % 3 == 0:
        segments += ["SVC*HC:A4550*0*0**1", f"DTM*472*{day}", f"REF*6R*LINE{n:06d}C", "CAS*PR*1*0"]
    return segments


def _file(claims: list[str]) -> str:
    body = START + claims
    body.append(f"SE*{len(body) + 1}*0900")
    return HEADER + "~".join(body) + "~GE*1*900~IEA*1*000000900~"


def rich(count: int) -> str:
    """``count`` claims as payers send them (see the module docstring)."""
    return _file([segment for n in range(1, count + 1) for segment in _claim(n)])


def simple(count: int) -> str:
    """``count`` CARC 189 denials of 76496, one line each."""
    return _file([segment.format(n=n) for n in range(1, count + 1) for segment in SIMPLE_CLAIM])
