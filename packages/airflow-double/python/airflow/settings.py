"""ORM session stub: enough of SQLAlchemy's Session for DAG files that read and write Connection rows."""

from airflow import _double


class _Query(object):
    def __init__(self, model, predicates=()):
        self._model = model
        self._predicates = list(predicates)

    def filter_by(self, **kwargs):
        preds = [lambda row, k=k, v=v: getattr(row, k, None) == v for k, v in kwargs.items()]
        return _Query(self._model, self._predicates + preds)

    def filter(self, *conditions):
        return _Query(self._model, self._predicates + [c for c in conditions])

    def _rows(self):
        from airflow.models import Connection

        if self._model is not Connection:
            return []
        _double.check_db('connection')
        rows = [Connection._from_row(r) for r in _double.CONNECTIONS]
        return [r for r in rows if all(p(r) for p in self._predicates)]

    def all(self):
        return self._rows()

    def first(self):
        rows = self._rows()
        return rows[0] if rows else None

    def one(self):
        rows = self._rows()
        if len(rows) != 1:
            raise Exception('No row was found for one()' if not rows else 'Multiple rows were found for one()')
        return rows[0]

    def count(self):
        return len(self._rows())

    def delete(self):
        ids = {r._double_id for r in self._rows()}
        _double.CONNECTIONS[:] = [r for r in _double.CONNECTIONS if r['id'] not in ids]
        _double.CONNECTIONS_CHANGED[0] = True
        return len(ids)

    def __iter__(self):
        return iter(self._rows())


class _Session(object):
    def __init__(self):
        self._added = []
        self._deleted = []

    def query(self, model):
        return _Query(model)

    def add(self, obj):
        self._added.append(obj)

    def add_all(self, objs):
        self._added.extend(objs)

    def merge(self, obj):
        self._added.append(obj)
        return obj

    def delete(self, obj):
        self._deleted.append(obj)

    def flush(self):
        self.commit()

    def commit(self):
        from airflow.models import Connection

        if self._added or self._deleted:
            _double.check_db('connection')
        for obj in self._deleted:
            if isinstance(obj, Connection) and obj._double_id is not None:
                _double.CONNECTIONS[:] = [r for r in _double.CONNECTIONS if r['id'] != obj._double_id]
                _double.CONNECTIONS_CHANGED[0] = True
        for obj in self._added:
            if isinstance(obj, Connection):
                row = obj._to_row()
                if obj._double_id is None:
                    row['id'] = _double.NEXT_CONNECTION_ID[0]
                    _double.NEXT_CONNECTION_ID[0] += 1
                    obj._double_id = row['id']
                    _double.CONNECTIONS.append(row)
                else:
                    row['id'] = obj._double_id
                    _double.CONNECTIONS[:] = [row if r['id'] == row['id'] else r for r in _double.CONNECTIONS]
                _double.CONNECTIONS_CHANGED[0] = True
        self._added = []
        self._deleted = []

    def rollback(self):
        self._added = []
        self._deleted = []

    def expunge_all(self):
        pass

    def close(self):
        self.rollback()


def Session():  # noqa: N802 (SQLAlchemy's factory is called Session)
    return _Session()


class _Conf(object):
    pass


HEADER = ''
