"""
Names that moved between the supported Airflow releases (3.1 and later), imported in one place.

Airflow 3.2 added ``AirflowFailException``, ``AirflowNotFoundException`` and ``conf`` to the task
SDK; 3.1 has them only in ``airflow.exceptions`` and ``airflow.configuration``, where its task
runner and its connection look-up use them.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException

try:
    from airflow.sdk.exceptions import AirflowNotFoundException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowNotFoundException  # type: ignore[no-redef,attr-defined,unused-ignore]

try:
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowFailException  # type: ignore[no-redef,attr-defined,unused-ignore]

try:
    from airflow.sdk.configuration import conf
except ImportError:  # Airflow 3.1
    from airflow.configuration import conf  # type: ignore[no-redef,unused-ignore]

__all__ = ["AirflowException", "AirflowFailException", "AirflowNotFoundException", "conf"]
