"""Every table of the server, for Alembic and for tests (each resource owns its models.py)."""
from .db import Base  # noqa: F401
from .devices.models import Device, EnrolmentCode  # noqa: F401
from .evidence.models import Blob, BlobUploader  # noqa: F401
from .inspectors.models import DeviceInspector, Inspector, InspectorKey  # noqa: F401
from .pulls.models import Assignment, EnterpriseVersion, NumberBlock, PublishedCatalogue  # noqa: F401
from .records.models import RecordEvidence, StoredRecord  # noqa: F401
from .uploads.models import Upload  # noqa: F401
from .users import models as _users  # noqa: F401,E402
from .dashboard import models as _dashboard  # noqa: F401,E402
from .draws import models as _draws  # noqa: F401,E402
from .web import models as _web  # noqa: F401,E402
