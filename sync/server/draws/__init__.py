"""The public random draw (双随机、一公开) on the server: pools from the registry and the inspectors,
commitment before the seed, the result, publication (inspector_app/domain/draw.py does the drawing)."""
