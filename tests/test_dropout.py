"""features.dropout: the section blanked for a seeded share of training rows, never at prediction."""

import numpy as np
import pytest

from fazhi_features.dropout import SectionDropout

X = np.array([[f"句{i}", f"一、节{i}"] for i in range(1000)], dtype=object)


def test_fit_transform_blanks_about_p_of_the_sections_reproducibly():
    drop = SectionDropout(p=0.3, random_state=7)
    out = drop.fit_transform(X)
    blanked = (out[:, 1] == "").sum()
    assert blanked == drop.n_blanked_ and 250 < blanked < 350
    assert (SectionDropout(p=0.3, random_state=7).fit_transform(X) == out).all()
    assert list(out[:, 0]) == list(X[:, 0]) and X[0, 1] == "一、节0"  # texts kept, input untouched


def test_prediction_sees_the_sections_as_given():
    drop = SectionDropout(p=1.0).fit(X)
    assert (drop.transform(X) == X).all()
    with pytest.raises(ValueError, match="p must be in"):
        SectionDropout(p=1.5).fit(X)
