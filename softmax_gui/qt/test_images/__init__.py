"""The Test images and Selected image docks."""
